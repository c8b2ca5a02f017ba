"""Log-in rules (allauth without sign-up, axes lockout), API token authentication and the
role permissions that are kept in sync with `tickets.roles`."""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .roles import ROLE_PERMISSIONS, Role


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by administrators; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False


def axes_username(request, credentials):
    """The attempted username, from allauth's `login` field or the admin's `username`."""
    if credentials:
        for key in ("username", "login"):
            if credentials.get(key):
                return credentials[key]
    data = getattr(request, "POST", {}) or {}
    return data.get("login") or data.get("username")


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF token authentication that loads the user and their roles in one query
    (every intake request needs both)."""

    def authenticate_credentials(self, key):
        from rest_framework.authtoken.models import Token

        token = (
            Token.objects.select_related("user")
            .annotate(
                role_names=ArrayAgg("user__groups__name", filter=Q(user__groups__isnull=False))
            )
            .filter(key=key)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        roles = frozenset(token.role_names or ())
        user._roles_cache = roles | {Role.ADMIN} if user.is_superuser else roles
        return (user, token)


# Master data a supervisor maintains in the admin (app_label.model). Models that do not
# exist (yet) are skipped, so apps can add theirs here as they land.
SUPERVISOR_MASTER_DATA = [
    "tickets.servicearea",
    "tickets.callcentre",
    "tickets.warrantypolicy",
    "tickets.warrantycomponentterm",
    "tickets.feeitem",
    # SLA master data (its admin also admits supervisors by role).
    "tickets.slapolicy",
    "tickets.slatarget",
    "tickets.escalationlevel",
    "tickets.servicecalendar",
    "tickets.servicehours",
    "tickets.holiday",
]
MASTER_DATA_ACTIONS = ("view", "add", "change", "delete")


def sync_role_permissions() -> dict[str, int]:
    """Create the role groups and give each exactly the permissions it should hold in
    addition to what it has: the custom ones of `tickets.roles.ROLE_PERMISSIONS`, and for
    supervisors the model permissions on master data. Idempotent; returns the number of
    permissions per group. (To become a data migration at merge.)"""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    wanted: dict[str, set[tuple[str, str]]] = {
        role: {tuple(p.split(".", 1)) for p in perms} for role, perms in ROLE_PERMISSIONS.items()
    }
    for dotted in SUPERVISOR_MASTER_DATA:
        app_label, model = dotted.split(".")
        try:
            apps.get_model(app_label, model)
        except LookupError:
            continue
        for action in MASTER_DATA_ACTIONS:
            wanted[Role.SUPERVISOR].add((app_label, f"{action}_{model}"))
    ContentType.objects.clear_cache()
    counts = {}
    for role, perms in wanted.items():
        group, _created = Group.objects.get_or_create(name=role)
        q = Q(pk__in=[])
        for app_label, codename in perms:
            q |= Q(content_type__app_label=app_label, codename=codename)
        found = list(Permission.objects.filter(q))
        group.permissions.add(*found)
        counts[str(role)] = len(found)
    return counts
