import datetime as dt

import factory
from django.utils import timezone

from engineers.models import CertificationLevel, Engineer, ServicePoint
from tests.factories import ServiceAreaFactory, UserFactory

ALL_DAY = {str(d): ["00:00", "23:59"] for d in range(7)}


class ServicePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Service point {n}")
    stars = 4
    lat = 36.07
    lng = 120.38

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.areas.set(extracted)


class EngineerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engineer

    user = factory.SubFactory(
        UserFactory, username=factory.Sequence(lambda n: f"eng{n}"), roles=["engineer"]
    )
    service_point = factory.SubFactory(ServicePointFactory)
    skills = factory.LazyFunction(lambda: ["fridge", "ac", "washer", "water_heater", "tv"])
    level = CertificationLevel.SENIOR
    certification_expires_on = factory.LazyFunction(
        lambda: timezone.localdate() + dt.timedelta(days=365)
    )
    home_lat = 36.07
    home_lng = 120.38
    working_hours = factory.LazyFunction(lambda: dict(ALL_DAY))
    max_concurrent = 4
    max_per_day = 8
    first_time_fix_rate = 0.8


def km_north(lat: float, km: float) -> float:
    return lat + km / 111.2


__all__ = ["EngineerFactory", "ServicePointFactory", "ServiceAreaFactory", "km_north"]
