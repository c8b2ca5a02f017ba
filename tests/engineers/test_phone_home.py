"""The engineer's phone pages have one home, engineers/phone/, and one base template,
engineers/m_base.html (issue 11 item 13): a phone page found anywhere else, or a page that
reaches the base through a second one, fails here."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from spareparts.models import Location, LocationKind
from tests.console.conftest import make_appliance
from tests.console.desk_jobs import engineer_for, scheduled_job
from tests.factories import ServiceAreaFactory, ticket_create
from tests.onsite.installation_fixtures import delivered_installation, materials_schedule
from tickets.lifecycle import Status
from tickets.roles import Role
from tickets.services import ticket_transition

BASE = "engineers/m_base.html"
ROOT = Path(settings.BASE_DIR)


def _patterns(resolver=None, prefix=""):
    """(route, pattern) of every URL the site serves, includes followed."""
    for p in (resolver or get_resolver()).url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _patterns(p, route)
        elif isinstance(p, URLPattern):
            yield route, p


def _roles(view) -> set[str]:
    """The roles `role_required` lets through, read from the decorators around the view."""
    roles: set[str] = set()
    while view is not None:
        for cell in view.__closure__ or ():
            value = cell.cell_contents
            if isinstance(value, tuple) and value and all(isinstance(r, str) for r in value):
                roles |= set(value)
        view = getattr(view, "__wrapped__", None)
    return roles


def _phone_patterns():
    """The engineer's phone pages: the m/ area, and any page only the engineer role opens."""
    return [
        (route, p)
        for route, p in _patterns()
        if route.startswith("m/") or _roles(p.callback) == {Role.ENGINEER}
    ]


def test_every_engineer_phone_page_is_served_from_engineers_phone():
    phone = _phone_patterns()
    names = {p.name for _r, p in phone}
    # The pages of the job list, on site, installation, parts and van, and exchange.
    assert {
        "engineer_jobs", "engineer_job", "job_accept", "job_on_my_way", "onsite_job",
        "onsite_charges", "onsite_sign", "onsite_complete", "onsite_units", "onsite_one_stop",
        "onsite_parts", "parts_job_request", "parts_my_van", "parts_van_receive",
        "exchange_engineer",
    } <= names  # fmt: skip
    elsewhere = [
        f"{route} ({p.name}): {p.callback.__module__}"
        for route, p in phone
        if not p.callback.__module__.startswith("engineers.phone.")
    ]
    assert not elsewhere, "phone pages outside engineers/phone/:\n" + "\n".join(elsewhere)
    # ...and engineers/phone/ holds nothing but phone pages.
    strays = [
        route
        for route, p in _patterns()
        if p.callback.__module__.startswith("engineers.phone.") and not route.startswith("m/")
    ]
    assert not strays


def test_the_old_homes_of_the_phone_pages_are_gone():
    for module in ("dispatch/views_mobile.py", "tickets/onsite/views_install.py",
                   "spareparts/views_mobile.py", "spareparts/views.py"):  # fmt: skip
        assert not (ROOT / module).exists(), module
    with pytest.raises(TemplateDoesNotExist):
        get_template("tickets/onsite/_base.html")


def test_every_phone_template_extends_the_one_base_and_nothing_else_does():
    phone_dir = ROOT / "templates" / "engineers"
    pages = [
        p
        for p in phone_dir.rglob("*.html")
        if not p.name.startswith("_") and p.name != "m_base.html"
    ]
    assert len(pages) >= 17
    for page in pages:
        first = page.read_text().split("%}", 1)[0]
        assert f'extends "{BASE}"' in first, page
    # No template outside templates/engineers/ builds on the phone base.
    for template in ROOT.rglob("templates/**/*.html"):
        if ".venv" in template.parts or phone_dir in template.parents:
            continue
        assert BASE not in template.read_text(), template


def test_the_master_data_and_tickets_load_without_the_phone_pages():
    """engineers.phone is imported from the URL conf only: the models of every app (which
    dispatch, spareparts, callbacks and kpis build on) load without it."""
    code = (
        "import sys, django; django.setup();"
        "import tickets.services, tickets.onsite.services, engineers.models;"
        "assert 'engineers.phone' not in sys.modules, 'imported at setup';"
        "from django.urls import reverse; reverse('engineer_jobs');"
        "assert 'engineers.phone.urls' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    # tickets is below the phone pages: it never reaches up to them, even lazily.
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tickets").rglob("*.py")
        if "engineers.phone" in path.read_text()
    ]
    assert not offenders


@pytest.fixture
def engineer_on_jobs(client, warranty_policies, fee_schedule, partner):
    """An engineer with a van, a repair job they are on site for, and an installation."""
    area = ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")
    engineer = engineer_for(area)
    Location.objects.create(
        kind=LocationKind.VAN, code="VAN-1", name="Van", lat=36.07, lng=120.38, engineer=engineer
    )
    repair = scheduled_job(ticket_create(appliance=make_appliance(area)), engineer)
    ticket_transition(ticket=repair, to=Status.EN_ROUTE, actor=engineer.user)
    ticket_transition(ticket=repair, to=Status.ON_SITE, actor=engineer.user)
    materials_schedule()
    install = delivered_installation(partner, engineer.user, mobile="+8613900139001")
    client.force_login(engineer.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return repair, install


REPAIR_PAGES = ["engineer_job", "onsite_job", "onsite_diagnosis", "onsite_charges",
                "onsite_photos", "onsite_outcome", "onsite_test_run", "onsite_sign",
                "onsite_parts", "parts_job_request", "exchange_engineer"]  # fmt: skip
INSTALL_PAGES = ["onsite_units", "onsite_materials", "onsite_checklist", "onsite_one_stop"]


@pytest.mark.django_db
def test_every_phone_page_renders_through_the_one_base(client, engineer_on_jobs):
    repair, install = engineer_on_jobs
    urls = [reverse("engineer_jobs"), reverse("parts_my_van")]
    urls += [reverse(name, args=[repair.pk]) for name in REPAIR_PAGES]
    urls += [reverse(name, args=[install.pk]) for name in INSTALL_PAGES]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        used = [t.name for t in response.templates]
        # The page itself, then straight the phone base, then the site's base.
        assert used[0].startswith("engineers/") and used[1:3] == [BASE, "base.html"], (url, used)
        assert "tickets/onsite/_base.html" not in used, url
        assert 'class="phone-page"' in response.content.decode(), url
