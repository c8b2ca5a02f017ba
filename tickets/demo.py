"""Demo master data and desk users: two cities with urban and rural areas, policies, fees,
customers with appliances and tickets. Skips everything when it already exists."""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.utils import timezone

from . import second_factor
from .choices import ApplianceCategory, AreaType, Channel, Component, FaultClass, Priority
from .models import (
    Appliance,
    CallCentre,
    FeeItem,
    SavedTicketFilter,
    ServiceArea,
    StaffProfile,
    Ticket,
    WarrantyComponentTerm,
    WarrantyPolicy,
)

DEMO_PASSWORD = "demo-pass-2026"

AREAS = [
    ("QD-SN", "市南区", "青岛", AreaType.URBAN, 36.0671, 120.3826),
    ("QD-LS", "崂山区", "青岛", AreaType.URBAN, 36.1072, 120.4686),
    ("QD-JM", "即墨乡镇", "青岛", AreaType.RURAL, 36.3893, 120.4473),
    ("ZH-XZ", "香洲区", "珠海", AreaType.URBAN, 22.2710, 113.5767),
    ("ZH-DM", "斗门乡镇", "珠海", AreaType.RURAL, 22.2092, 113.2969),
]

WARRANTY = {
    ApplianceCategory.FRIDGE: (12, {Component.COMPRESSOR: 120, Component.MAIN_BOARD: 36}),
    ApplianceCategory.AIR_CONDITIONER: (72, {Component.COMPRESSOR: 120, Component.MAIN_BOARD: 72}),
    ApplianceCategory.WASHER: (36, {Component.MOTOR: 120, Component.MAIN_BOARD: 36}),
    ApplianceCategory.WATER_HEATER: (36, {Component.HEATING_ELEMENT: 60}),
    ApplianceCategory.TV: (12, {Component.PANEL: 36, Component.MAIN_BOARD: 24}),
}

LABOUR = {FaultClass.SIMPLE: 60, FaultClass.STANDARD: 120, FaultClass.COMPLEX: 260}

USERS = [
    ("agent", "agent", False),
    ("agent2", "agent", False),
    ("dispatcher", "dispatcher", False),
    ("supervisor", "supervisor", True),
    ("admin", "admin", True),
    ("partner", "partner", False),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]
MODELS = {
    ApplianceCategory.FRIDGE: ("海尔", ["BCD-470WDPG", "BCD-216STPT", "BCD-539WT"]),
    ApplianceCategory.AIR_CONDITIONER: ("格力", ["KFR-35GW", "KFR-72LW", "KFR-26GW"]),
    ApplianceCategory.WASHER: ("海尔", ["EG100MATE", "XQB90-Z", "EG80B829G"]),
    ApplianceCategory.WATER_HEATER: ("海尔", ["EC6001-GC", "JSQ25-13"]),
    ApplianceCategory.TV: ("海信", ["65E3F", "55A52"]),
}
MOBILE_PREFIXES = ["138", "139", "150", "186", "188", "135"]
FAULTS = ["不制冷", "漏水", "噪音大", "不开机", "显示E1故障码", "不加热", "遥控无反应", "有异味"]


def build(stdout):
    if ServiceArea.objects.filter(code="QD-SN").exists():
        stdout.write("tickets demo: already loaded")
        return
    areas = {
        code: ServiceArea.objects.create(
            code=code, name=name, city=city, area_type=kind, centroid_lat=lat, centroid_lng=lng
        )
        for code, name, city, kind, lat, lng in AREAS
    }
    qd = CallCentre.objects.create(name="青岛呼叫中心")
    qd.areas.set([a for c, a in areas.items() if c.startswith("QD")])
    zh = CallCentre.objects.create(name="珠海呼叫中心")
    zh.areas.set([a for c, a in areas.items() if c.startswith("ZH")])

    for category, (months, parts) in WARRANTY.items():
        policy = WarrantyPolicy.objects.create(category=category, whole_unit_months=months)
        for component, component_months in parts.items():
            WarrantyComponentTerm.objects.create(
                policy=policy, component=component, months=component_months
            )
    FeeItem.objects.create(kind=FeeItem.Kind.CALL_OUT, amount=Decimal("50.00"))
    for category in ApplianceCategory.values:
        for fault_class, amount in LABOUR.items():
            FeeItem.objects.create(
                kind=FeeItem.Kind.LABOUR, category=category, fault_class=fault_class, amount=amount
            )

    for username, role, staff in USERS:
        user = User.objects.create_user(username, password=DEMO_PASSWORD, is_staff=staff)
        user.is_superuser = role == "admin"
        user.save()
        user.groups.add(Group.objects.get(name=role))
        if role in ("agent", "dispatcher"):
            StaffProfile.objects.create(user=user, call_centre=qd if username != "agent2" else zh)
        if role in ("supervisor", "admin"):
            second_factor.demo_enrol(user)

    # A yearly cleaning is paid also in warranty: its own labour line per category.
    for category in ApplianceCategory.values:
        FeeItem.objects.create(
            kind=FeeItem.Kind.LABOUR,
            category=category,
            fault_class=FaultClass.STANDARD,
            service_type_id="maintenance",
            amount=Decimal("80.00"),
        )
    _customers_and_tickets(areas)
    _other_service_types()
    _master_data_examples(areas)
    _saved_filters()
    stdout.write("tickets demo: areas, policies, fees, users, customers and tickets loaded")


def _customers_and_tickets(areas):
    from .contacts import contact_log, ticket_note_add
    from .models import CustomerContact
    from .services import appliance_create, customer_create, ticket_accept_fee, ticket_create

    rng = random.Random(20261123)
    today = timezone.localdate()
    agent = User.objects.get(username="agent")
    area_list = list(areas.values())
    for i in range(300):
        area = area_list[i % len(area_list)]
        customer, _address = customer_create(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
            mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            address_line=f"{area.city}{area.name}{rng.randrange(1, 300)}号{rng.randrange(1, 30)}栋",
            area=area,
            lat=area.centroid_lat + rng.uniform(-0.05, 0.05),
            lng=area.centroid_lng + rng.uniform(-0.05, 0.05),
        )
        for _ in range(rng.choice([1, 1, 2, 3])):
            category = rng.choice(ApplianceCategory.values)
            brand, models_ = MODELS[category]
            appliance_create(
                customer=customer,
                category=category,
                brand=brand,
                model_number=rng.choice(models_),
                serial_number=f"{category[:2].upper()}{rng.randrange(10**10):010d}",
                purchase_date=today - dt.timedelta(days=rng.randrange(30, 3000)),
            )
        if i % 3 == 0:
            appliance = customer.appliances.first()
            ticket = ticket_create(
                customer=customer,
                appliance=appliance,
                channel=rng.choice(Channel.values),
                priority=rng.choice([Priority.NORMAL, Priority.NORMAL, Priority.EMERGENCY]),
                fault_class=rng.choice(FaultClass.values),
                fault_description=rng.choice(FAULTS),
                actor=agent,
            )
            if ticket.status == "awaiting_fee_acceptance" and i % 2 == 0:
                ticket_accept_fee(ticket=ticket, actor=agent, note="客户电话同意")
            if i % 9 == 0:
                ticket_note_add(ticket=ticket, actor=agent, text="客户白天上班，请傍晚联系")
        elif i % 10 == 1:
            # A call that opened no ticket still leaves its record in the customer's history.
            contact_log(
                customer=customer,
                actor=agent,
                direction=CustomerContact.Direction.INBOUND,
                topic=CustomerContact.Topic.ENQUIRY,
                note="咨询延保价格，暂不报修",
            )


def _other_service_types():
    """A few tickets of each type beyond repair, on customers loaded above."""
    from .services import ticket_create

    agent = User.objects.get(username="agent")
    appliances = list(
        Appliance.objects.filter(tickets__isnull=True).select_related("customer").order_by("id")
    )
    plan = [
        ("installation", "新购空调安装，已送货到家", Priority.APPOINTMENT),
        ("installation", "新购热水器安装", Priority.APPOINTMENT),
        ("maintenance", "空调年度清洗保养", Priority.APPOINTMENT),
        ("inspection", "合同巡检（半年一次）", Priority.APPOINTMENT),
        ("return_assessment", "购买5天出现不制冷，要求退换", Priority.NORMAL),
    ]
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for offset, (code, description, priority) in enumerate(plan, start=1):
        appliance = appliances[offset * 7]
        window = start + dt.timedelta(days=offset)
        ticket_create(
            customer=appliance.customer,
            appliance=appliance,
            channel=Channel.HOTLINE,
            service_type=code,
            priority=priority,
            fault_description=description,
            preferred_start=window if priority == Priority.APPOINTMENT else None,
            preferred_end=window + dt.timedelta(hours=3)
            if priority == Priority.APPOINTMENT
            else None,
            actor=agent,
        )


def _master_data_examples(areas):
    """What the one-record rules look like: the demo partner is the device platform of a
    few fridges (its alarms are taken), a family shares one phone as two customers (with
    the reason), a fridge changed hands (a recorded transfer) and a partner gave a new
    address for a ticket (waiting for an agent to confirm)."""
    from .intake import appliance_transfer
    from .models import Address, Appliance, ApplianceTransfer, Customer
    from .services import customer_create

    partner = User.objects.get(username="partner")
    agent = User.objects.get(username="agent")
    fridges = list(Appliance.objects.filter(category=ApplianceCategory.FRIDGE).order_by("id")[:12])
    for fridge in fridges[:10]:
        fridge.device_platforms.add(partner)
    first = Customer.objects.order_by("id").first()
    customer_create(
        name=first.name[:1] + "小店",
        mobile=first.mobile,
        address_line=first.addresses.first().line,
        area=first.addresses.first().area,
        duplicate_reason="business",
    )
    if len(fridges) > 11 and fridges[10].customer_id != fridges[11].customer_id:
        appliance_transfer(
            appliance=fridges[10],
            to_customer=fridges[11].customer,
            reason=ApplianceTransfer.Reason.SOLD,
            actor=agent,
        )
    Address.objects.create(
        customer=fridges[0].customer,
        line=f"{areas['QD-LS'].city}{areas['QD-LS'].name}海尔路1号",
        area=areas["QD-LS"],
        is_default=False,
        needs_confirmation=True,
        proposed_by=partner,
    )


# Saved ticket-list filters of the demo's desk users (tickets.saved_filters).
SAVED_FILTERS = [
    ("agent", "本中心超时工单 / My centre's breaches", "sla=breached&sort=due"),
    ("agent", "紧急待派工 / Emergencies waiting", "status=awaiting_dispatch&priority=emergency"),
    ("dispatcher", "最早到期 / Due first", "sla=running&sort=due"),
]


def _saved_filters():
    for username, name, query in SAVED_FILTERS:
        SavedTicketFilter.objects.create(
            owner=User.objects.get(username=username), name=name, query=query
        )


def print_logins(stdout):
    stdout.write("")
    stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
    for username, role, _ in USERS:
        if User.objects.filter(username=username).exists():
            stdout.write(f"  {username:<12} {role}")
    stdout.write(
        "  supervisor and admin sign in with a second factor: add the TOTP secret "
        f"{second_factor.DEMO_TOTP_SECRET} to an authenticator app"
    )
    engineers = User.objects.filter(groups__name="engineer").order_by("username")[:3]
    for user in engineers:
        stdout.write(f"  {user.username:<12} engineer")
    stdout.write(f"Open tickets: {Ticket.objects.open().count()}")
