"""In headless Chromium, every main page is served with the Content-Security-Policy and runs
without a single violation: no inline handler, style attribute, un-nonced script or eval."""

import pytest
from django.urls import reverse

from tests.conftest import CHROMIUM_ARGS, browser_login  # noqa: F401 - fixtures via conftest
from tests.factories import ApplianceFactory, UserFactory, ticket_create
from tests.onsite.conftest import assign_and_schedule

# Reported through the console, where the test listens, whatever page is open.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(
    `CSP-VIOLATION ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _visit_all(page, paths):
    problems = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"{page.url}: {msg.text}")
            if msg.type == "error"
            and ("CSP-VIOLATION" in msg.text or "Content Security" in msg.text)
            else None
        ),
    )
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        policy = response.headers.get("content-security-policy", "")
        # A nonce is added only on pages that use one (django-csp 4).
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
        assert "unsafe" not in policy or path == "/api/docs/", path
        page.wait_for_load_state("networkidle")
    return problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_run_under_the_content_security_policy(
    transactional_db, browser, live_server, warranty_policies, fee_schedule
):
    UserFactory(username="sam", roles=["supervisor"], is_staff=True, is_superuser=True)
    engineer = UserFactory(username="bob", roles=["engineer"])
    from tests.dispatch.factories import EngineerFactory

    EngineerFactory(user=engineer)
    ticket = assign_and_schedule(
        ticket_create(appliance=ApplianceFactory(model_number="BCD-470WDPG")), engineer
    )
    ticket_id = ticket.pk

    def context():
        ctx = browser.new_context(
            base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 768}
        )
        ctx.add_init_script(REPORT_VIOLATIONS)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        return ctx, page

    ctx, page = context()
    problems = _visit_all(page, [reverse("account_login"), f"/t/{ticket.public_token}/"])
    ctx.close()

    ctx, page = context()
    browser_login(page, "sam")
    problems += _visit_all(
        page,
        [
            reverse("agent_console") + f"?phone={ticket.customer.mobile[-8:]}",
            reverse("ticket_list"),
            reverse("ticket_detail", args=[ticket_id]),
            reverse("dispatch_queue"),
            reverse("dispatch_ticket", args=[ticket_id]),
            reverse("supervisor_board"),
            reverse("kpi_dashboard"),
            reverse("callback_queue"),
            reverse("complaint_queue"),
            "/admin/",
            "/admin/tickets/ticket/",
            f"/admin/tickets/ticket/{ticket_id}/change/",
            "/api/docs/",
        ],
    )
    ctx.close()

    ctx, page = context()
    browser_login(page, "bob")
    problems += _visit_all(
        page,
        [
            reverse("engineer_jobs"),
            reverse("onsite_job", args=[ticket_id]),
            reverse("onsite_photos", args=[ticket_id]),
            reverse("onsite_sign", args=[ticket_id]),
        ],
    )
    ctx.close()
    assert problems == []
