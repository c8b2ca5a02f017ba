"""Demo stock network: a central warehouse, a regional warehouse per demo city, a store per
service point and a van per engineer, stocked through the ledger; min/max on the stores;
a parts manager (`parts`) and one transfer on its way. Idempotent."""

import random

from django.contrib.auth.models import Group, User

from engineers.models import Engineer, ServicePoint
from tickets.demo import DEMO_PASSWORD

from .models import Location, LocationKind, Part, Stock, Tracking
from .services import stock_receive, transfer_dispatch, transfer_plan

REGIONS = [
    ("RW-QD", "青岛区域仓", "青岛市城阳区仓储路1号", 36.307, 120.396, "青岛"),
    ("RW-ZH", "珠海区域仓", "珠海市金湾区物流园8号", 22.147, 113.367, "珠海"),
]
SERIALIZED = {"HR-FR-CMP10", "GR-AC-MB20", "HS-TV-PWR"}


def build(stdout):
    if Location.objects.filter(code="CW-QD").exists():
        stdout.write("spareparts demo: already loaded")
        return
    if not Engineer.objects.exists():
        stdout.write("spareparts demo: no engineers (load engineers.demo first)")
        return
    rng = random.Random(13)
    manager, _ = User.objects.get_or_create(username="parts", defaults={"first_name": "仓管"})
    manager.set_password(DEMO_PASSWORD)
    manager.save()
    manager.groups.add(Group.objects.get(name="warehouse"))
    Part.objects.filter(sku__in=SERIALIZED).update(tracking=Tracking.SERIAL)
    Part.objects.exclude(sku__in=SERIALIZED).update(supplier="海尔零部件中心")
    parts = list(Part.objects.filter(active=True))
    central = Location.objects.create(
        kind=LocationKind.CENTRAL,
        code="CW-QD",
        name="青岛中心仓",
        address="青岛市崂山区海尔路1号",
        lat=36.122,
        lng=120.449,
    )
    regions = {}
    for code, name, address, lat, lng, city in REGIONS:
        regions[city] = Location.objects.create(
            kind=LocationKind.REGIONAL,
            code=code,
            name=name,
            address=address,
            lat=lat,
            lng=lng,
            parent=central,
        )
    stores = {}
    for sp in ServicePoint.objects.prefetch_related("areas").order_by("pk"):
        city = next((a.city for a in sp.areas.all()), "青岛")
        stores[sp.pk] = Location.objects.create(
            kind=LocationKind.STORE,
            code=f"SP-{sp.pk:04d}",
            name=f"{sp.name}库房",
            lat=sp.lat,
            lng=sp.lng,
            service_point=sp,
            parent=regions.get(city, central),
        )
    vans = []
    for engineer in Engineer.objects.select_related("user").order_by("pk"):
        vans.append(
            Location.objects.create(
                kind=LocationKind.VAN,
                code=f"VAN-{engineer.user.username}",
                name=f"{engineer.display_name}的车",
                lat=engineer.home_lat,
                lng=engineer.home_lng,
                engineer=engineer,
                parent=stores.get(engineer.service_point_id),
            )
        )
    serial_no = 0

    def receive(location, part, quantity):
        nonlocal serial_no
        serials = []
        if part.serialized:
            serials = [f"{part.sku}-{serial_no + i:06d}" for i in range(quantity)]
            serial_no += quantity
        stock_receive(
            location=location,
            part=part,
            quantity=quantity,
            supplier=part.supplier or "海尔零部件中心",
            batch=f"B2026{rng.randrange(100, 999)}",
            serials=serials,
            actor=manager,
        )

    for part in parts:
        receive(central, part, 40)
        for region in regions.values():
            receive(region, part, 12)
    for store in stores.values():
        for part in rng.sample(parts, 6):
            receive(store, part, rng.randint(1, 4))
            Stock.objects.filter(location=store, part=part).update(min_qty=2, max_qty=8)
    for van in vans:
        for part in rng.sample([p for p in parts if not p.serialized], 3):
            receive(van, part, rng.randint(1, 3))
    # One parcel on its way from the Qingdao regional warehouse to the first store.
    first_store = next(iter(stores.values()))
    transfer = transfer_plan(
        source=regions["青岛"], destination=first_store, part=parts[0], quantity=3, actor=manager
    )
    transfer_dispatch(transfer=transfer, actor=manager)
    _held_request()
    stdout.write(
        f"spareparts demo: 1 central, {len(regions)} regional, {len(stores)} stores, "
        f"{len(vans)} vans stocked; parts manager login: parts"
    )


def _held_request():
    """Two compressors for a booked fridge job: more than any rule allows, so the request
    waits on the parts desk."""
    from tickets.lifecycle import Status
    from tickets.models import Ticket
    from tickets.onsite.selectors import assigned_engineer_user_id

    from .services import part_request_create

    for ticket in Ticket.objects.filter(
        status__in=[Status.ACCEPTED, Status.SCHEDULED], appliance__category="fridge"
    ).order_by("pk")[:20]:
        user_id = assigned_engineer_user_id(ticket)
        user = User.objects.filter(pk=user_id, engineer__van__isnull=False).first()
        if user is not None:
            part_request_create(
                engineer_user=user,
                sku="HR-FR-CMP10",
                quantity=2,
                ticket=ticket,
                request_key=f"demo-{ticket.pk}",
            )
            return
