import os

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


def browser_login(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
