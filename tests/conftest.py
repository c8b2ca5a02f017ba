import os
import time

import pytest

from tests.factories import ServiceAreaFactory, UserFactory, WarrantyPolicyFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "pass-Word-1234"


def pytest_collection_modifyitems(items):
    # A transactional test empties every table when it ends, including the rows migrations
    # load (role groups, SLA defaults). Each one therefore starts from the migrated data
    # restored (serialized rollback), whatever ran before it.
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


_MIGRATED_DATA: list[str] = [""]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    from django.db import connection

    _MIGRATED_DATA[:] = [getattr(connection, "_test_serialized_contents", "")]


@pytest.fixture(autouse=True)
def _migrated_data_in_transactional_tests(request):
    # Django keeps the serialized data on the thread's connection object; once Playwright
    # runs its event loop in this thread, the ORM sees another connection object without
    # it. Give it the data (so the flush at the end leaves the tables empty rather than
    # re-creating content types) and restore the data here when Django did not.
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")) or not _MIGRATED_DATA[0]:
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group
    from django.db import connection

    if not hasattr(connection, "_test_serialized_contents"):
        connection._test_serialized_contents = _MIGRATED_DATA[0]
    if not Group.objects.exists():
        connection.creation.deserialize_db_from_string(_MIGRATED_DATA[0])


@pytest.fixture(autouse=True)
def rate_limits_out_of_the_way(settings):
    """Every test shares its worker's counters (one address, one minute); the tests of the
    limits themselves set low ones (tests/api/test_rate_limits.py)."""
    settings.API_RATES = {"read": "1000000/min", "write": "1000000/min"}
    settings.PUBLIC_PAGE_RATE = (1000000, 60)
    settings.WEB_REQUEST_RATE = (1000000, 3600)


@pytest.fixture(autouse=True)
def masterdata_always_checked(settings):
    """Tests edit policies, areas and tokens and roll the edits back: every read checks
    the master-data generation, so no test sees another's cached rows."""
    settings.MASTERDATA_RECHECK_SECONDS = 0


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """Tests read English unless they ask for Chinese (Accept-Language or activate()):
    the product defaults to Simplified Chinese, and its catalogue is complete."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def area(db):
    return ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")


@pytest.fixture
def warranty_policies(db):
    from tickets.choices import ApplianceCategory, Component
    from tickets.models import WarrantyComponentTerm

    fridge = WarrantyPolicyFactory(category=ApplianceCategory.FRIDGE, whole_unit_months=12)
    WarrantyComponentTerm.objects.get_or_create(
        policy=fridge, component=Component.COMPRESSOR, defaults={"months": 120}
    )
    ac = WarrantyPolicyFactory(category=ApplianceCategory.AIR_CONDITIONER, whole_unit_months=72)
    return {"fridge": fridge, "ac": ac}


@pytest.fixture
def fee_schedule(db):
    from decimal import Decimal

    from tickets.models import FeeItem

    FeeItem.objects.get_or_create(
        kind="call_out", category="", fault_class="", defaults={"amount": Decimal("50.00")}
    )
    FeeItem.objects.get_or_create(
        kind="labour",
        category="fridge",
        fault_class="standard",
        defaults={"amount": Decimal("120.00")},
    )
    FeeItem.objects.get_or_create(
        kind="labour",
        category="fridge",
        fault_class="complex",
        defaults={"amount": Decimal("260.00")},
    )


@pytest.fixture
def agent(db):
    return UserFactory(username="alice", roles=["agent"])


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="dora", roles=["dispatcher"])


@pytest.fixture
def engineer_user(db):
    return UserFactory(username="bob", roles=["engineer"])


@pytest.fixture
def engineer_user2(db):
    return UserFactory(username="charlie", roles=["engineer"])


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sam", roles=["supervisor"], is_staff=True)


@pytest.fixture
def partner(db):
    return UserFactory(username="partner-retail", roles=["partner"])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def desk_page(browser, live_server):
    """A desk page at the desktop size the desk pages are built for."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def wait_until(page, expression: str, timeout_ms: int = 15000) -> None:
    """Wait until `expression` is true in the page. Playwright's `wait_for_function` polls
    through `eval` inside the page, which the product's Content-Security-Policy refuses;
    `evaluate` goes through the DevTools protocol, which the policy does not govern."""
    waited = 0
    while not page.evaluate(expression):
        if waited >= timeout_ms:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(50)
        waited += 50


def browser_login(page, username, password=PASSWORD):
    """Log in through the page; supervisors and admins are enrolled with the demo's TOTP
    secret first and type the code when asked, as they must."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from django.contrib.auth.models import User

    from tickets import second_factor

    user = User.objects.filter(username=username).first()
    if user is not None and second_factor.second_factor_required(user):
        second_factor.demo_enrol(user)
    page.goto("/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:
        counter = int(time.time()) // 30
        page.fill(
            "#id_code", format_hotp_value(hotp_value(second_factor.DEMO_TOTP_SECRET, counter))
        )
        page.click("button[type=submit]")
        page.wait_for_load_state()
