"""One language at a time everywhere: every page, in both languages, as the user who opens it
(desk, dispatcher, supervisor, warehouse, engineer, customer, administrator: the admin's
change lists and forms included), shows no text left in the other language.

An English page may show no Chinese character; a Chinese page no English word, except the
proper names, codes, units and brands of the data the page shows (collected from the data
itself) and a short list of abbreviations people read as they are (SLA, SMS, PDF...).
Visible text only: scripts, styles and hidden inputs are not read."""

import re
import time
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Assignment
from engineers.models import ServicePoint
from tests.console.conftest import _desk_user
from tests.console.desk_jobs import engineer_for, scheduled_job
from tests.factories import UserFactory
from tickets.lifecycle import Status
from tickets.models import Address, Appliance, CallCentre, Customer, ServiceArea, Ticket
from tickets.services import ticket_event_record, ticket_transition

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e]")
WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*[A-Za-z]")
# Read as they are in a Chinese text: abbreviations, units, brands, formats.
ALLOWED_WORDS = {
    "SLA", "ETA", "SMS", "API", "PDF", "CSV", "XLSX", "SKU", "KPI", "GPS", "TOTP", "QR",
    "CNY", "km", "JPEG", "PNG", "HTMX", "URL", "Haier", "Gree", "Hisense", "Midea", "SR",
    "English", "SHA", "ID", "IoT", "YB", "OK", "AM", "PM", "min", "LDAP",
    # key names
    "Enter", "Esc", "Tab", "Control", "Command", "Mac",
}  # fmt: skip
# The language switcher names each language in itself.
ALLOWED_CJK = ("简体中文", "中文")
# Django's and allauth's own words no catalogue can translate: the admin's boolean icons
# and search icon (alt text hard-coded in English), allauth's models without a verbose
# name.
THIRD_PARTY = re.compile(r"^(True|False|Search|Authenticators|User sessions)$")


class _Visible(HTMLParser):
    """The text a reader sees: text nodes and the attributes read aloud or shown on hover."""

    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            return
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def _data_words() -> set[str]:
    """Proper names and codes of the data the pages show (people, places, appliances)."""
    from django.contrib.auth import get_user_model

    values: list[str] = []
    for user in get_user_model().objects.all():
        values += [user.username, user.first_name, user.last_name, user.email]
    from django.contrib.auth.models import Group

    from tickets.models import TicketEvent

    values += list(Group.objects.values_list("name", flat=True))  # role codes, as groups
    values += list(TicketEvent.objects.exclude(reason="").values_list("reason", flat=True))
    values += list(Customer.objects.values_list("name", flat=True))
    values += list(Address.objects.values_list("line", flat=True))
    for area in ServiceArea.objects.all():
        values += [area.code, area.name, area.city]
    values += list(CallCentre.objects.values_list("name", flat=True))
    values += list(ServicePoint.objects.values_list("name", flat=True))
    for appliance in Appliance.objects.all():
        values += [appliance.brand, appliance.model_number, appliance.serial_number]
    for ticket in Ticket.objects.all():
        values += [ticket.number, ticket.fault_description]
    # Codes shown as codes in the admin's columns, and the texts of messages as sent.
    from tickets.models import OutboundMessage, ServiceType

    values += list(ServiceType.objects.values_list("code", flat=True))
    for message in OutboundMessage.objects.all():
        values += [message.purpose, message.body]
    return {w for v in values if v for w in WORD.findall(str(v))}


# Links, paths, dotted or snake_case codes, SKUs and serials (a digit inside), masked
# secrets, and the raw JSON an administrator may read.
URL_OR_CODE = re.compile(
    r"\{.*\}|\[.*\]|(?:https?://|/)\S*|\S*[._/*]\S*[a-z*]\S*|\S*\d\S*"
    r"|\b[A-Z]+(?:-[A-Z]+)+\b",  # SKUs: HR-FR-SEAL
    re.S,
)


def leftovers(html: str, language: str, allowed: set[str]) -> list[str]:
    found = []
    for text in visible_text(html):
        if language != "en":
            if THIRD_PARTY.search(text):
                continue
            text = URL_OR_CODE.sub(" ", text)
        if language == "en":
            cleaned = text
            for ok in ALLOWED_CJK:
                cleaned = cleaned.replace(ok, "")
            if CJK.search(cleaned):
                found.append(text)
        else:
            words = [w for w in WORD.findall(text) if w not in allowed and len(w) > 1]
            if words:
                found.append(f"{text!r} ({', '.join(words)})")
    return found


@pytest.fixture
def world(client, area_a, centre_a, agent_a, ticket_a, out_of_warranty_ticket):
    """A job walked to the customer's address and diagnosed, a second one waiting for the
    customer's consent to the fee, and one user per role."""
    engineer = engineer_for(area_a)
    scheduled_job(ticket_a, engineer)
    ticket_transition(ticket=ticket_a, to=Status.EN_ROUTE, actor=engineer.user)
    ticket_transition(ticket=ticket_a, to=Status.ON_SITE, actor=engineer.user)
    ticket_event_record(
        ticket=ticket_a,
        kind="diagnosis",
        actor=engineer.user,
        data={"fault": "compressor", "cause": "wear"},
    )
    ticket_event_record(ticket=ticket_a, kind="note", actor=agent_a, reason="Gate code 1201")
    return {
        "ticket": ticket_a,
        "fee_ticket": out_of_warranty_ticket,
        "engineer": engineer,
        "agent": agent_a,
        "dispatcher": _desk_user("dora", "dispatcher", centre_a),
        "supervisor": _desk_user("sam", "supervisor", centre_a),
        "warehouse": UserFactory(username="wendy", roles=["warehouse"]),
        "quality": UserFactory(username="quinn", roles=["quality"]),
        "admin": UserFactory(username="root", is_staff=True, is_superuser=True, roles=["admin"]),
    }


def _pages(world) -> list[tuple[str, str]]:
    """(user key, url) for every page, as the role that works there."""
    t, fee = world["ticket"], world["fee_ticket"]
    customer = t.customer
    pages = [
        ("agent", reverse("agent_console")),
        ("agent", f"{reverse('agent_console')}?phone={customer.national_number()}"),
        ("agent", reverse("console_customer", args=[customer.pk])),
        ("agent", reverse("console_customer_new")),
        ("agent", reverse("ticket_list")),
        ("agent", reverse("ticket_detail", args=[t.pk])),
        ("agent", reverse("ticket_detail", args=[fee.pk])),
        ("agent", reverse("callback_queue")),
        ("quality", reverse("complaint_queue")),
        ("agent", reverse("proactive_campaigns")),
        ("agent", reverse("proactive_visits_to_call")),
        ("agent", reverse("proactive_customer_plans", args=[customer.pk])),
        ("dispatcher", reverse("dispatch_queue")),
        ("dispatcher", reverse("dispatch_ticket", args=[t.pk])),
        ("dispatcher", reverse("dispatch_ticket", args=[fee.pk])),
        ("supervisor", reverse("supervisor_board")),
        ("supervisor", reverse("kpi_dashboard")),
        ("supervisor", reverse("kpi_breakdown")),
        ("supervisor", reverse("kpi_reports")),
        ("supervisor", reverse("exchange_approvals")),
        ("supervisor", reverse("qa_review_queue")),
        ("supervisor", reverse("callback_deep_queue")),
        ("supervisor", reverse("callback_hanging")),
        ("supervisor", reverse("onsite_owed")),
        ("supervisor", reverse("onsite_flagged_check_ins")),
        ("warehouse", reverse("parts_desk")),
        ("engineer", reverse("engineer_jobs")),
        ("engineer", reverse("engineer_job", args=[t.pk])),
        ("engineer", reverse("onsite_job", args=[t.pk])),
        ("engineer", reverse("onsite_parts", args=[t.pk])),
        ("engineer", reverse("parts_my_van")),
        ("customer", reverse("ticket_track", args=[t.public_token])),
        ("customer", reverse("service_request")),
        ("customer", reverse("ticket_track_fixed")),
    ]
    pages.append(("admin", "/admin/"))
    for model, _model_admin in admin.site._registry.items():
        label = model._meta.app_label
        if label not in {"tickets", "dispatch", "engineers", "spareparts", "callbacks",
                         "kpis", "proactive", "auth"}:  # fmt: skip
            continue  # third-party apps' own admin (lockouts, sessions) speaks its own words
        base = f"/admin/{label}/{model._meta.model_name}/"
        pages.append(("admin", base))
        pages.append(("admin", f"{base}add/"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(("admin", f"{base}{first.pk}/change/"))
    return pages


def test_every_page_is_in_one_language(client, world):
    started = time.monotonic()
    world["engineer_user"] = world["engineer"].user
    users = {**world, "engineer": world["engineer"].user}
    allowed = ALLOWED_WORDS | _data_words()
    problems: list[str] = []
    pages = _pages(world)
    for language in ("en", "zh-hans"):
        current = None
        for who, url in pages:
            if who != current:
                client.logout()
                if who != "customer":
                    client.force_login(users[who])
                current = who
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            if who == "admin" and response.status_code == 403:
                continue  # e.g. adding rows the admin only reads (the outbox, callbacks)
            if response.status_code in (301, 302, 403, 405):
                problems.append(f"{language} {who} {url}: {response.status_code}")
                continue
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for text in leftovers(response.content.decode(), language, allowed)[:8]:
                problems.append(f"{language} {who} {url}: {text}")
    assert Assignment.objects.filter(ticket=world["ticket"]).exists()
    assert not problems, "\n".join(problems)
    assert time.monotonic() - started < 120, timezone.now()
