"""Settings come from the environment: production values pass Django's deployment
checks, and a malformed value stops start-up with a message naming the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "prod-9c1f0e7b4a2d8e6f3b5a7c9d1e3f5a7b9c2d4e6f8a0b1c3d5e7f9a2b4c6d8e0f",
    "ALLOWED_HOSTS": "service.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://service.example.com",
    "SITE_URL": "https://service.example.com",
}


def _manage(*args, **env_overrides):
    env = {**os.environ, **env_overrides}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by tests/conftest.py for Playwright
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_values_pass_the_deployment_checks():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key():
    for weak in ("", "short-key", "dev-insecure-8m2v0q7x1z9c4b6n3k5j8h2g4f6d1s3a7p9o0i"):
        result = _manage("check", **{**PRODUCTION, "SECRET_KEY": weak})
        assert result.returncode != 0
        assert "Environment variable SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "name, value",
    [
        ("DEBUG", "maybe"),
        ("AXES_FAILURE_LIMIT", "five"),
        ("CONN_MAX_AGE", "1m"),
        ("DATABASE_URL", "nonsense"),
        ("REDIS_URL", "127.0.0.1:6379"),
    ],
)
def test_a_malformed_value_fails_at_start_naming_the_variable(name, value):
    result = _manage("check", **{name: value})
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert f"Environment variable {name} is malformed" in last_line
