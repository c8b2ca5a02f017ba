import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Users made in these tests get cheap hashes: the login tests check many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
