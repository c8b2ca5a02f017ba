import datetime as dt

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tickets import models
from tickets.choices import ApplianceCategory, AreaType, Channel


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-1234")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))
        self.save()

    @factory.post_generation
    def desk(self, create, extracted, **kwargs):
        """Agents and dispatchers work the national desk unless the test says otherwise:
        `desk=False` leaves them without a profile (as a new account is, seeing nothing),
        `desk=<CallCentre>` puts them in that centre."""
        if extracted is False or not self.groups.filter(name__in=("agent", "dispatcher")):
            return
        centre = extracted if isinstance(extracted, models.CallCentre) else None
        models.StaffProfile.objects.update_or_create(
            user=self, defaults={"call_centre": centre, "national_desk": centre is None}
        )


class ServiceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServiceArea
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AREA{n:03d}")
    name = factory.Sequence(lambda n: f"District {n}")
    city = "Qingdao"
    area_type = AreaType.URBAN
    centroid_lat = 36.0671
    centroid_lng = 120.3826


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n}")
    mobile = factory.Sequence(lambda n: f"+86138{n:08d}")
    address = factory.RelatedFactory(
        "tests.factories.AddressFactory", factory_related_name="customer"
    )


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Address

    customer = factory.SubFactory(CustomerFactory, address=None)
    line = factory.Sequence(lambda n: f"{n} Haier Road")
    area = factory.SubFactory(ServiceAreaFactory)
    lat = 36.07
    lng = 120.38


class ApplianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Appliance

    customer = factory.SubFactory(CustomerFactory)
    category = ApplianceCategory.FRIDGE
    brand = "Haier"
    model_number = "BCD-470WDPG"
    serial_number = factory.Sequence(lambda n: f"SN{n:010d}")
    purchase_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))


class WarrantyPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WarrantyPolicy
        django_get_or_create = ("category",)

    category = ApplianceCategory.FRIDGE
    whole_unit_months = 12


def ticket_create(**overrides):
    """A ticket made through the real intake service (state machine, events, outbox)."""
    from tickets.services import ticket_create as create

    appliance = overrides.pop("appliance", None) or ApplianceFactory()
    kwargs = dict(
        customer=appliance.customer,
        appliance=appliance,
        channel=Channel.HOTLINE,
        fault_description="Not cooling",
    )
    kwargs.update(overrides)
    return create(**kwargs)


def minimal_pdf(catalog_extra: bytes = b"", objects: bytes = b"") -> bytes:
    """A one-page PDF that a viewer opens (the proof upload reads it as one)."""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
        + objects
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
