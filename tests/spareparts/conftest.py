import uuid
from decimal import Decimal

import pytest

from spareparts.models import Location, LocationKind, Part, Tracking
from tests.dispatch.factories import EngineerFactory, ServicePointFactory, km_north
from tests.factories import UserFactory
from tests.onsite.conftest import (  # noqa: F401 - fixtures shared with the on-site tests
    assign_and_schedule,
    paid_job,
    warranty_job,
)

# The job's address in the factories is (36.07, 120.38).
JOB = (36.07, 120.38)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def key() -> str:
    return uuid.uuid4().hex


def van_for(engineer, code=None) -> Location:
    return Location.objects.create(
        kind=LocationKind.VAN,
        code=code or f"VAN-{engineer.user.username}",
        name=f"Van {engineer.user.username}",
        lat=engineer.home_lat,
        lng=engineer.home_lng,
        engineer=engineer,
    )


@pytest.fixture
def network(db, engineer_user):
    """Central (far away), two regional warehouses (12 km and 30 km from the job, and one
    80 km away), bob's service point store and bob's van."""
    central = Location.objects.create(
        kind=LocationKind.CENTRAL, code="CW", name="Central", lat=31.23, lng=121.47
    )
    near = Location.objects.create(
        kind=LocationKind.REGIONAL,
        code="RW-NEAR",
        name="Regional near",
        parent=central,
        lat=km_north(JOB[0], 12),
        lng=JOB[1],
    )
    mid = Location.objects.create(
        kind=LocationKind.REGIONAL,
        code="RW-MID",
        name="Regional mid",
        parent=central,
        lat=km_north(JOB[0], 30),
        lng=JOB[1],
    )
    far = Location.objects.create(
        kind=LocationKind.REGIONAL,
        code="RW-FAR",
        name="Regional far",
        parent=central,
        lat=km_north(JOB[0], 80),
        lng=JOB[1],
    )
    sp = ServicePointFactory(name="Shinan point")
    manager = UserFactory(username="spm")
    sp.manager = manager
    sp.save()
    store = Location.objects.create(
        kind=LocationKind.STORE,
        code="SP-1",
        name="Shinan store",
        parent=near,
        lat=sp.lat,
        lng=sp.lng,
        service_point=sp,
    )
    engineer = EngineerFactory(user=engineer_user, service_point=sp, level=1)
    van = van_for(engineer)
    return {
        "central": central,
        "near": near,
        "mid": mid,
        "far": far,
        "store": store,
        "van": van,
        "engineer": engineer,
        "service_point": sp,
        "manager": manager,
    }


@pytest.fixture
def thermostat(db):
    return Part.objects.get(sku="HR-FR-TH01")  # 68.00, batch-tracked (demo catalogue)


@pytest.fixture
def board(db):
    part = Part.objects.get(sku="GR-AC-MB20")  # 420.00
    part.tracking = Tracking.SERIAL
    part.save()
    return part


@pytest.fixture
def compressor(db):
    part = Part.objects.get(sku="HR-FR-CMP10")
    part.tracking = Tracking.SERIAL
    part.price = Decimal("780.00")
    part.save()
    return part


@pytest.fixture
def parts_manager(db):
    return UserFactory(username="wanda", roles=["warehouse"])
