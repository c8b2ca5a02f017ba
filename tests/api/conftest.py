import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import ServiceAreaFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Users made in these tests get cheap hashes: the login tests check many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_client(user) -> APIClient:
    from tickets.api import partner_token_issue

    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {partner_token_issue(username=user.username)}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return client


@pytest.fixture
def partner_client(partner):
    return token_client(partner)


@pytest.fixture
def partner_b(db):
    return UserFactory(username="partner-iot", roles=["partner"])


@pytest.fixture
def partner_b_client(partner_b):
    return token_client(partner_b)


@pytest.fixture
def intake_area(db):
    return ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")


@pytest.fixture
def payload(intake_area, warranty_policies, fee_schedule):
    return {
        "channel": "partner_api",
        "customer_name": "Wang Fang",
        "mobile": "138 0013 8000",
        "address_line": "12 Xianggang Road",
        "area_code": "QD-SN",
        "lat": 36.06,
        "lng": 120.38,
        "category": "fridge",
        "brand": "Haier",
        "model": "BCD-470WDPG",
        "serial_number": "hr-0001",
        "purchase_date": (timezone.localdate() - dt.timedelta(days=100)).isoformat(),
        "fault_description": "Not cooling, compressor clicks",
        "fault_class": "standard",
        "priority": "normal",
    }
