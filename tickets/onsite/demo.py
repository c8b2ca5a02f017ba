"""Demo on-site work, through the real services, after dispatch has booked visits: one
out-of-warranty job completed with the charges owed (it shows on the desk's "Payments owed"
list), and one on site with the customer's consent recorded (add a part to see the consent
asked again). Idempotent."""

import base64
import io

from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw

from tickets.demo import AREAS
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import Ticket

from . import catalog, services
from .models import OnsiteJob
from .selectors import assigned_engineer_user_id


def _signature() -> str:
    image = Image.new("RGBA", (320, 160), (255, 255, 255, 0))
    ImageDraw.Draw(image).line(
        [(20, 120), (80, 40), (140, 120), (200, 40), (280, 110)], fill=(0, 0, 0, 255), width=4
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _on_site(ticket: Ticket, engineer) -> None:
    category = ticket.appliance.category
    services.ticket_check_in(ticket=ticket, engineer_user=engineer)
    services.diagnosis_record(
        ticket=ticket,
        engineer_user=engineer,
        fault=catalog.faults_for(category)[0][0],
        cause=catalog.causes_for(category)[0][0],
        notes="演示 / demo",
    )
    services.charges_consent(
        ticket=ticket, engineer_user=engineer, customer_name=ticket.customer.name, agreed=True
    )


def build(stdout):
    if OnsiteJob.objects.exists():
        stdout.write("on-site demo: already loaded")
        return
    User = get_user_model()
    candidates = (
        Ticket.objects.filter(
            status=Status.SCHEDULED,
            in_warranty=False,
            area__code__in=[code for code, *_ in AREAS],
        )
        .select_related("appliance", "customer")
        .order_by("pk")[:2]
    )
    done = []
    for i, ticket in enumerate(candidates):
        engineer = User.objects.filter(pk=assigned_engineer_user_id(ticket)).first()
        if engineer is None:
            continue
        try:
            _on_site(ticket, engineer)
            if i == 0:
                services.payment_owed_record(
                    ticket=ticket,
                    engineer_user=engineer,
                    agreed_by=ticket.customer.name,
                    collection=OnsiteJob.OwedCollection.PAYMENT_LINK,
                    note="客户手机没电 / The customer's phone was flat",
                )
                services.test_run_record(
                    ticket=ticket,
                    engineer_user=engineer,
                    checked=[c for c, _l in catalog.checklist_for(ticket.appliance.category)],
                )
                services.signature_record(
                    ticket=ticket,
                    engineer_user=engineer,
                    signer_name=ticket.customer.name,
                    data_url=_signature(),
                )
                services.job_complete(ticket=ticket, engineer_user=engineer)
            done.append(ticket.number)
        except DomainError as exc:
            stdout.write(f"on-site demo: {ticket.number} stays as it is ({exc.message})")
    stdout.write(f"on-site demo: {', '.join(done) or 'no out-of-warranty visit booked'}")
