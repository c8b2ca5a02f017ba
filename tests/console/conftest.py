import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import (
    AddressFactory,
    ApplianceFactory,
    CustomerFactory,
    ServiceAreaFactory,
    UserFactory,
    ticket_create,
)
from tickets.models import CallCentre, StaffProfile


@pytest.fixture
def area_a(db):
    return ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")


@pytest.fixture
def area_b(db):
    return ServiceAreaFactory(code="ZH-XZ", name="Xiangzhou", city="Zhuhai")


@pytest.fixture
def centre_a(area_a):
    centre = CallCentre.objects.create(name="Qingdao centre")
    centre.areas.add(area_a)
    return centre


@pytest.fixture
def centre_b(area_b):
    centre = CallCentre.objects.create(name="Zhuhai centre")
    centre.areas.add(area_b)
    return centre


def _desk_user(username, role, centre):
    user = UserFactory(username=username, roles=[role])
    StaffProfile.objects.create(user=user, call_centre=centre)
    return user


@pytest.fixture
def agent_a(centre_a):
    return _desk_user("anna", "agent", centre_a)


@pytest.fixture
def agent_b(centre_b):
    return _desk_user("bella", "agent", centre_b)


@pytest.fixture
def engineer(db):
    return UserFactory(username="eddie", roles=["engineer"])


def make_appliance(area, *, mobile=None, days_old=100, category="fridge", customer=None):
    if customer is None:
        kwargs = {"address": None}
        if mobile:
            kwargs["mobile"] = mobile
        customer = CustomerFactory(**kwargs)
        AddressFactory(customer=customer, area=area, line="8 Zhongshan Road, flat 1201")
    return ApplianceFactory(
        customer=customer,
        category=category,
        purchase_date=timezone.localdate() - dt.timedelta(days=days_old),
    )


@pytest.fixture
def ticket_a(area_a, agent_a, warranty_policies, fee_schedule):
    appliance = make_appliance(area_a, mobile="+8613812345678")
    return ticket_create(appliance=appliance, actor=agent_a)


@pytest.fixture
def ticket_b(area_b, agent_b, warranty_policies, fee_schedule):
    appliance = make_appliance(area_b, mobile="+8613987654321")
    return ticket_create(appliance=appliance, actor=agent_b)


@pytest.fixture
def out_of_warranty_ticket(area_a, agent_a, warranty_policies, fee_schedule):
    appliance = make_appliance(area_a, mobile="+8615012340000", days_old=900)
    return ticket_create(appliance=appliance, actor=agent_a)


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


# A transactional test ends by flushing every table, which also wipes what the migrations
# wrote (role groups, SLA defaults); a flush that runs post_migrate then recreates content
# types and permissions under new ids. Our browser tests therefore start from, and leave
# behind, the database as the migrations left it, so that the order tests run in does not
# matter to them or to the tests after them.
_MIGRATED: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _migrated_data(django_db_setup, django_db_blocker):
    """The migrated content of the test database, captured before any transactional test
    (pytest-django runs those last)."""
    from django.db import connection

    with django_db_blocker.unblock():
        _MIGRATED["default"] = connection.creation.serialize_db_to_string()


def _reset_to_migrated() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(_MIGRATED["default"])
    _restore_roles()


def _restore_roles() -> None:
    """The role groups, in case the data was captured after someone else's flush."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from tickets.roles import ROLE_PERMISSIONS

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


@pytest.fixture(autouse=True)
def _start_from_migrated_data(request):
    if _transactional(request.node):
        request.getfixturevalue("transactional_db")
        _reset_to_migrated()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if _transactional(item) and "default" in _MIGRATED:
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _reset_to_migrated()
