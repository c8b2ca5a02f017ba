"""Roles are Django groups (created by a migration). One place answers "what is this user"."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Call-centre agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    ENGINEER = "engineer", _("Field engineer")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
    PARTNER = "partner", _("Partner system")
    QUALITY = "quality", _("Quality assurance")
    WAREHOUSE = "warehouse", _("Warehouse keeper")
    # Not a group: Celery tasks and the system itself.
    SYSTEM = "system", _("System")


# Which model permissions each group holds (app_label.codename).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: ["tickets.use_agent_console"],
    Role.DISPATCHER: ["tickets.use_agent_console", "tickets.dispatch_tickets"],
    Role.ENGINEER: ["tickets.work_tickets"],
    Role.SUPERVISOR: [
        "tickets.use_agent_console",
        "tickets.dispatch_tickets",
        "tickets.supervise",
    ],
    Role.ADMIN: [
        "tickets.use_agent_console",
        "tickets.dispatch_tickets",
        "tickets.supervise",
    ],
    Role.PARTNER: ["tickets.use_intake_api"],
    # Complaints and quality reviews are checked by role (callbacks/), stock by role
    # (spareparts/); the console permission lets QA open the tickets they investigate.
    Role.QUALITY: ["tickets.use_agent_console"],
    Role.WAREHOUSE: [],
}


def roles_of(user) -> frozenset[str]:
    """The user's roles, cached on the user object for the request."""
    if user is None:
        return frozenset({Role.SYSTEM})
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached |= {Role.ADMIN}
        user._roles_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


STAFF_DESK_ROLES = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
SUPERVISING_ROLES = (Role.SUPERVISOR, Role.ADMIN)
DISPATCHING_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
