"""Partner accounts stay out of the staff pages; forwarded headers and HSTS are trusted or
widened only when the operator says so."""

import pytest

from tests.api.test_settings import PRODUCTION, _manage
from tests.conftest import PASSWORD


def test_a_partner_account_cannot_log_into_the_staff_pages(client, partner):
    response = client.post(
        "/accounts/login/",
        {"login": partner.username, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "_auth_user_id" not in client.session
    assert "partner system" in response.content.decode()
    assert client.get("/console/").status_code == 302


def _setting(expression: str, **env) -> str:
    result = _manage(
        "shell",
        "-c",
        f"from django.conf import settings; print({expression})",
        **{**PRODUCTION, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "env, trusted",
    [({}, "None"), ({"BEHIND_TLS_PROXY": "true"}, "('HTTP_X_FORWARDED_PROTO', 'https')")],
)
def test_x_forwarded_proto_is_trusted_only_behind_a_declared_proxy(env, trusted):
    assert _setting("settings.SECURE_PROXY_SSL_HEADER", **env) == trusted


def test_hsts_covers_subdomains_and_preload_only_when_configured():
    assert (
        _setting("(settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)")
        == "(False, False)"
    )
    on = {"SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "SECURE_HSTS_PRELOAD": "true"}
    assert (
        _setting("(settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)", **on)
        == "(True, True)"
    )
    check = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert check.returncode == 0, check.stdout + check.stderr
