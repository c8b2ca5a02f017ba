import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.utils import timezone
from PIL import Image

from tests.factories import ApplianceFactory, ticket_create
from tickets import hooks
from tickets.errors import Conflict
from tickets.lifecycle import Status
from tickets.services import ticket_accept_fee, ticket_transition


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class RecordingVisitBooker:
    """Stands in for dispatch's booking service (`hooks.visit_booker`) in the on-site tests:
    records each booking and refuses a window that overlaps one already booked for the
    same engineer, as the clash check does."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, *, ticket, engineer_user, window_start, window_end):
        for call in self.calls:
            if (
                call["engineer_user"] == engineer_user
                and call["window_start"] < window_end
                and window_start < call["window_end"]
            ):
                raise Conflict("The window clashes with another visit.", field="window_start")
        self.calls.append(
            {
                "ticket": ticket,
                "engineer_user": engineer_user,
                "window_start": window_start,
                "window_end": window_end,
            }
        )
        return SimpleNamespace(pk=len(self.calls), window_start=window_start)


@pytest.fixture(autouse=True)
def visit_booker():
    """On-site tests check what the on-site code asks of the booker through a recording
    stand-in; dispatch's real booker is tested with the on-site code in
    tests/dispatch/test_visit_booker.py. The real one is put back after each test."""
    installed = hooks._one.get(hooks.VISIT_BOOKER)
    booker = RecordingVisitBooker()
    hooks.set_visit_booker(booker)
    yield booker
    if installed is None:
        hooks._one.pop(hooks.VISIT_BOOKER, None)
    else:
        hooks._one[hooks.VISIT_BOOKER] = installed


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English messages
    return client


def assign_and_schedule(ticket, engineer, *, to=Status.SCHEDULED):
    """The state dispatch leaves a job in: assigned (by the system) to `engineer`, accepted,
    then a visit booked."""
    ticket_transition(
        ticket=ticket,
        to=Status.ASSIGNED,
        actor=None,
        data={"engineer_user_id": engineer.pk},
    )
    ticket_transition(ticket=ticket, to=Status.ACCEPTED, actor=engineer)
    if to in (Status.SCHEDULED, Status.EN_ROUTE):
        start = timezone.now() + dt.timedelta(hours=1)
        ticket_transition(
            ticket=ticket,
            to=Status.SCHEDULED,
            actor=engineer,
            data={
                "window_start": start.isoformat(),
                "window_end": (start + dt.timedelta(hours=2)).isoformat(),
            },
        )
    if to == Status.EN_ROUTE:
        ticket_transition(ticket=ticket, to=Status.EN_ROUTE, actor=engineer)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def warranty_job(db, warranty_policies, fee_schedule, engineer_user):
    """An in-warranty fridge job, scheduled for bob."""
    ticket = ticket_create(appliance=ApplianceFactory(model_number="BCD-470WDPG"))
    assert ticket.in_warranty
    return assign_and_schedule(ticket, engineer_user)


@pytest.fixture
def paid_job(db, warranty_policies, fee_schedule, engineer_user, agent):
    """An out-of-warranty fridge job (bought 3 years ago), fee estimate accepted, for bob."""
    appliance = ApplianceFactory(
        model_number="BCD-470WDPG",
        purchase_date=timezone.localdate() - dt.timedelta(days=3 * 365),
    )
    ticket = ticket_create(appliance=appliance)
    assert not ticket.in_warranty
    ticket_accept_fee(ticket=ticket, actor=agent)
    return assign_and_schedule(ticket, engineer_user)


def jpeg_bytes(size=(640, 480), color=(200, 30, 30), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def signature_data_url() -> str:
    import base64

    from PIL import ImageDraw

    image = Image.new("RGBA", (320, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.line(
        [(20, 120), (80, 40), (140, 120), (200, 40), (280, 110)], fill=(0, 0, 0, 255), width=4
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
