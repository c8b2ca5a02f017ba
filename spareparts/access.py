"""Who may see and move which stock: one place, used by pages, the API and services.

- parts managers (warehouse keepers), supervisors and admins: every location;
- a service point's manager: that service point's store;
- an engineer: their own van.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tickets.errors import NotFound, PermissionDenied
from tickets.roles import Role, has_role

from .models import Location, LocationKind

PARTS_MANAGING_ROLES = (Role.WAREHOUSE, Role.SUPERVISOR, Role.ADMIN)
RELEASING_ROLES = (Role.WAREHOUSE, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


def is_parts_manager(user) -> bool:
    return has_role(user, *PARTS_MANAGING_ROLES)


def locations_for_user(user) -> QuerySet[Location]:
    qs = Location.objects.active()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_parts_manager(user):
        return qs
    return qs.filter(
        Q(kind=LocationKind.VAN, engineer__user=user)
        | Q(kind=LocationKind.STORE, service_point__manager=user)
    )


def location_get_for_user(*, user, location_id) -> Location:
    """The location, or NotFound when this user may not see it."""
    location = locations_for_user(user).filter(pk=location_id).first()
    if location is None:
        raise NotFound(_("No such stock location."))
    return location


def location_require_access(*, user, location: Location) -> None:
    if user is None:  # the system
        return
    if not locations_for_user(user).filter(pk=location.pk).exists():
        raise PermissionDenied(_("You may not move stock at %(name)s.") % {"name": location.name})


def van_for_user(user) -> Location | None:
    try:
        return Location.objects.select_related("engineer__service_point").get(
            kind=LocationKind.VAN, engineer__user=user, active=True
        )
    except Location.DoesNotExist:  # one van per engineer (a one-to-one)
        return None
