import pytest


@pytest.fixture(autouse=True)
def customer_requests_unlimited(settings):
    """As tests/conftest.py does for the other public pages; the limit's own test lowers it."""
    settings.CUSTOMER_REQUEST_RATE = (1000000, 3600)
