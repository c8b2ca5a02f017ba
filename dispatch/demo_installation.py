"""Demo installations (issue 16): a retailer's delivery of an air conditioner installed
end to end on the phone's services (both units' serials scanned, extra pipe and a bracket
charged with the customer's consent, the commissioning checklist, the one-stop check of
the household's other appliances opening a repair, the customer's acceptance), and a
second delivery waiting in the queue. Runs after the dispatch and on-site demos, through
the real services. Idempotent."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from tickets import intake
from tickets.errors import DomainError
from tickets.installation.models import Delivery
from tickets.installation.services import intake_from_delivery
from tickets.models import FeeItem, ServiceArea, WarrantyPolicy
from tickets.onsite import services as onsite
from tickets.onsite.demo import _signature

from . import services

ORDERS = ("JD-DEMO-20261201", "JD-DEMO-20261202")
MATERIALS = [
    # code, zh, en, unit, free, CNY
    ("copper_pipe", "加长铜管", "Extra copper pipe", "m", 3, Decimal("60.00")),
    ("bracket", "外机支架", "Outdoor unit bracket", "piece", 0, Decimal("150.00")),
    (
        "wall_hole",
        "墙体打孔（第二个起）",
        "Wall hole (from the second)",
        "piece",
        1,
        Decimal("50.00"),
    ),
]


def _materials() -> None:
    for code, zh, en, unit, free, amount in MATERIALS:
        FeeItem.objects.get_or_create(
            kind=FeeItem.Kind.MATERIAL,
            material_code=code,
            service_type_id="installation",
            category="",
            fault_class="",
            defaults={
                "name_zh_hans": zh,
                "name_en": en,
                "unit": unit,
                "free_allowance": free,
                "amount": amount,
            },
        )


def _deliver(partner, area, order: str, *, mobile: str, name: str, line: str, day: dt.date):
    data = {
        "order_number": order,
        "delivery_date": day,
        "products": [
            {"category": "ac", "model": "KFR-35GW/NhGd1B(室内机)", "quantity": 1},
            {"category": "ac", "model": "KFR-35W/NhGd1B(室外机)", "quantity": 1},
        ],
        "customer_name": name,
        "mobile": mobile,
        "address_line": line,
        "area_code": area,
        "lat": area.centroid_lat,
        "lng": area.centroid_lng,
        "brand": "格力",
    }
    return intake.intake_atomic(
        lambda retrying: intake_from_delivery(data=data, actor=partner, retrying=retrying)
    ).ticket


def _assign_installer(ticket):
    """Automatic dispatch first; when no certified installer is on shift (the demo may load
    at night), the dispatcher assigns the nearest one by hand, confirming the override."""
    from engineers.models import Engineer

    assignment = services.ticket_dispatch_auto(ticket_id=ticket.pk)
    if assignment is not None:
        return assignment
    dispatcher = User.objects.filter(username="dispatcher").first()
    reason = "演示：指定持证安装师傅 / Demo: a certified installer"
    installers = Engineer.objects.filter(
        service_types__contains=["installation"], service_point__areas=ticket.area_id
    ).order_by("pk")
    for engineer in installers:
        try:
            try:
                return services.ticket_assign_manual(
                    ticket_id=ticket.pk, engineer_id=engineer.pk, reason=reason, actor=dispatcher
                )
            except services.OverrideNeeded as exc:
                return services.ticket_assign_manual(
                    ticket_id=ticket.pk,
                    engineer_id=engineer.pk,
                    reason=reason,
                    actor=dispatcher,
                    confirm_rules=exc.rules,
                )
        except DomainError:
            continue
    return None


def _install(ticket, stdout) -> bool:
    assignment = _assign_installer(ticket)
    if assignment is None:
        stdout.write(f"installation demo: no certified installer for {ticket.number}")
        return False
    engineer = assignment.engineer
    user = engineer.user
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    services.customer_call_log(engineer=engineer, ticket_id=ticket.pk, outcome="reached")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    services.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=start,
        window_end=start + dt.timedelta(hours=3),
    )
    ticket.refresh_from_db()
    onsite.ticket_check_in(ticket=ticket, engineer_user=user)
    onsite.unit_scan(
        ticket=ticket,
        engineer_user=user,
        serial_number="GR35IN2612010001",
        model_number="KFR-35GW/NhGd1B(室内机)",
    )
    onsite.unit_scan(
        ticket=ticket,
        engineer_user=user,
        serial_number="GR35OUT2612010001",
        model_number="KFR-35W/NhGd1B(室外机)",
    )
    onsite.material_use_record(
        ticket=ticket, engineer_user=user, code="copper_pipe", quantity_used=6
    )
    onsite.material_use_record(ticket=ticket, engineer_user=user, code="bracket", quantity_used=1)
    onsite.charges_consent(
        ticket=ticket, engineer_user=user, customer_name=ticket.customer.name, agreed=True
    )
    onsite.payment_record(ticket=ticket, engineer_user=user, method="cash", reference="", paid=True)
    onsite.checklist_record(
        ticket=ticket,
        engineer_user=user,
        results={item["code"]: ("ok", "") for item in onsite.checklist_items(ticket)},
    )
    onsite.one_stop_check_record(
        ticket=ticket,
        engineer_user=user,
        category="washer",
        model_number="EG100MATE",
        result="ok",
    )
    onsite.one_stop_check_record(
        ticket=ticket,
        engineer_user=user,
        category="fridge",
        model_number="BCD-470WDPG",
        serial_number="HRBCD4702019007",
        result="problem",
        note="冷藏室门封条破损，制冷变差 / Fridge door seal torn, cooling weaker",
    )
    onsite.test_run_record(
        ticket=ticket,
        engineer_user=user,
        checked=["powers_on", "cools_heats", "no_leak", "no_noise"],
    )
    onsite.signature_record(
        ticket=ticket, engineer_user=user, signer_name=ticket.customer.name, data_url=_signature()
    )
    onsite.job_complete(ticket=ticket, engineer_user=user)
    return True


def build(stdout):
    if Delivery.objects.filter(order_number__in=ORDERS).exists():
        stdout.write("installation demo: already loaded")
        return
    partner = User.objects.filter(username="partner").first()
    area = ServiceArea.objects.filter(code="QD-SN").first()
    if partner is None or area is None:
        stdout.write("installation demo: no demo partner or area")
        return
    _materials()
    # Gree-style terms: an air conditioner's warranty counts from its installation.
    WarrantyPolicy.objects.filter(category="ac").update(starts_from="installation")
    today = timezone.localdate()
    installed = _deliver(
        partner,
        area,
        ORDERS[0],
        mobile="+8619900000101",
        name="孙丽",
        line="青岛市市南区香港中路 18 号 1 单元 502",
        day=today - dt.timedelta(days=1),
    )
    waiting = _deliver(
        partner,
        area,
        ORDERS[1],
        mobile="+8619900000102",
        name="周强",
        line="青岛市市南区闽江路 6 号 3 单元 201",
        day=today,
    )
    done = False
    try:
        done = _install(installed, stdout)
    except DomainError as exc:
        stdout.write(f"installation demo: {installed.number} stays as it is ({exc.message})")
    stdout.write(
        f"installation demo: {installed.number} "
        + ("installed" if done else "delivered")
        + f" (order {ORDERS[0]}), {waiting.number} delivered and waiting (order {ORDERS[1]})"
    )
