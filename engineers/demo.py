"""Demo service points and ~50 engineers (eng01..eng50) in the two demo cities. Idempotent."""

import datetime as dt
import random

from django.contrib.auth.models import Group, User
from django.utils import timezone

from tickets.choices import ApplianceCategory
from tickets.demo import DEMO_PASSWORD
from tickets.models import ServiceArea

from .models import CertificationLevel, Engineer, ServicePoint

GIVEN = ["建国", "海涛", "志强", "晓东", "立伟", "春生", "国平", "明亮", "卫东", "德华"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡"
POINTS_PER_AREA = 2
ENGINEERS = 50


def build(stdout):
    if Engineer.objects.filter(user__username="eng01").exists():
        stdout.write("engineers demo: already loaded")
        return
    areas = list(ServiceArea.objects.order_by("code"))
    if not areas:
        stdout.write("engineers demo: no service areas (load tickets.demo first)")
        return
    rng = random.Random(4)
    group = Group.objects.get(name="engineer")
    points = []
    for area in areas:
        for i in range(POINTS_PER_AREA):
            sp = ServicePoint.objects.create(
                name=f"{area.city}{area.name}服务网点{i + 1}",
                lat=area.centroid_lat + rng.uniform(-0.02, 0.02),
                lng=area.centroid_lng + rng.uniform(-0.02, 0.02),
            )
            # Each point covers its own area and the neighbouring ones of the same city.
            sp.areas.set([a for a in areas if a.city == area.city])
            points.append(sp)
    today = timezone.localdate()
    categories = ApplianceCategory.values
    for n in range(1, ENGINEERS + 1):
        sp = points[(n - 1) % len(points)]
        user = User.objects.create_user(
            f"eng{n:02d}",
            password=DEMO_PASSWORD,
            first_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        )
        user.groups.add(group)
        skills = sorted(set(rng.sample(categories, rng.randint(2, 4))) | {categories[n % 5]})
        # One in five is on the 24-hour duty roster, so the demo dispatches at any hour.
        on_duty = n % 5 == 0
        hours = (
            {str(d): ["00:00", "23:59"] for d in range(7)}
            if on_duty
            else {str(d): ["08:00", "20:00"] for d in range(7) if d != n % 7}
        )
        Engineer.objects.create(
            user=user,
            service_point=sp,
            phone=f"+86139{n:08d}",
            skills=skills,
            # The seniors are also the certified installers.
            service_types=[] if n % 3 else ["installation"],
            level=[CertificationLevel.JUNIOR, CertificationLevel.INTERMEDIATE][n % 2]
            if n % 3
            else CertificationLevel.SENIOR,
            certification_expires_on=today
            + dt.timedelta(days=-10 if n in (7, 23) else rng.randint(60, 900)),
            home_lat=sp.lat + rng.uniform(-0.04, 0.04),
            home_lng=sp.lng + rng.uniform(-0.04, 0.04),
            working_hours=hours,
            max_concurrent=rng.choice([3, 4, 5]),
            max_per_day=rng.choice([6, 8, 10]),
        )
    stdout.write(f"engineers demo: {len(points)} service points, {ENGINEERS} engineers")
