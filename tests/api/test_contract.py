"""schemathesis against the app's own OpenAPI schema, every check on, a few examples per
operation: no server error, and every response is one the schema declares."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from tests.factories import UserFactory

APP = get_wsgi_application()
# Every check is on. A request the schema allows may still be refused by a rule the schema
# cannot state (an area code or SKU that does not exist, a number that is no mobile): that
# is a 400 naming the field, so 400 and 422 count as accepting valid data's shape.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", APP, config=CONFIG)


@pytest.fixture
def in_test_transaction():
    """The WSGI app closes the database connection after each request; inside the test's
    transaction it must not (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, in_test_transaction, warranty_policies, fee_schedule):
    from rest_framework.authtoken.models import Token

    from tests.factories import ServiceAreaFactory

    ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")
    user = UserFactory(
        username="contract", roles=["dispatcher", "partner", "engineer", "quality", "warehouse"]
    )
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_contract(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"})
