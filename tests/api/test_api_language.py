"""API errors in the request's language (Accept-Language), field errors included, also for
token-authenticated calls (DRF takes the language LocaleMiddleware activated)."""

import re

import pytest
from rest_framework.test import APIClient

from tickets.api import partner_token_issue

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"
CJK = re.compile(r"[\u3400-\u9fff]")


def token_client(user) -> APIClient:
    """A partner's client sending no language of its own: each request says which."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {partner_token_issue(username=user.username)}")
    return client


def _post(client, payload, language):
    return client.post(URL, payload, format="json", HTTP_ACCEPT_LANGUAGE=language)


def test_field_errors_and_message_in_chinese_then_english(partner, payload):
    client = token_client(partner)
    bad = {**payload, "mobile": "12", "category": "spaceship"}
    del bad["customer_name"]

    zh = _post(client, bad, "zh-hans")
    assert zh.status_code == 400
    error = zh.json()["error"]
    assert CJK.search(error["message"])
    assert set(error["fields"]) >= {"mobile", "category", "customer_name"}
    for messages in error["fields"].values():
        assert all(CJK.search(m) for m in messages), messages

    en = _post(client, bad, "en")
    error = en.json()["error"]
    assert error["message"] == "The request has invalid fields."
    assert "This field is required." in error["fields"]["customer_name"]
    for messages in error["fields"].values():
        assert not any(CJK.search(m) for m in messages)


def test_not_found_and_a_bad_token_answer_in_the_requests_language(partner):
    client = token_client(partner)
    missing = client.get(f"{URL}SR-20260101-999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert missing.status_code == 404 and CJK.search(missing.json()["error"]["message"])
    missing = client.get(f"{URL}SR-20260101-999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert not CJK.search(missing.json()["error"]["message"])

    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    refused = stranger.get(f"{URL}SR-20260101-999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 401 and CJK.search(refused.json()["error"]["message"])
