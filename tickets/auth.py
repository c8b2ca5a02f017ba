"""Log-in rules (allauth without sign-up, axes lockout) and the role permissions that are
kept in sync with `tickets.roles`."""

import datetime as dt

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from .roles import ROLE_PERMISSIONS, Role, roles_of


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by administrators; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False

    def pre_login(self, request, user, **kwargs):
        """Partner accounts are for systems calling the API with a token: they never open the
        staff pages, whatever password they hold."""
        if roles_of(user) and roles_of(user) <= {Role.PARTNER}:
            from allauth.account.internal.stagekit import clear_login
            from django.contrib import messages
            from django.shortcuts import redirect
            from django.utils.translation import gettext as _

            clear_login(request)
            messages.error(
                request,
                _("This account is for a partner system's API access and cannot log in here."),
            )
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """Security notices (a password reset or change) go to every verified address of
        the account, not to an address nobody proved to own."""
        if email:
            return super().send_notification_mail(template_prefix, user, context, email)
        for address in verified_addresses(user):
            super().send_notification_mail(template_prefix, user, context, address)


def verified_addresses(user) -> list[str]:
    from allauth.account.models import EmailAddress

    return list(
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "email")
        .values_list("email", flat=True)
    )


def login_name(value) -> str:
    """Usernames match case-insensitively and without surrounding spaces, for logging in and
    for counting failures alike: `AGENT2` and `" agent2"` are `agent2`."""
    return str(value or "").strip().lower()


def axes_username(request, credentials):
    """The attempted username, from allauth's `login` field or the admin's `username`."""
    if credentials:
        for key in ("username", "login"):
            if credentials.get(key):
                return login_name(credentials[key])
    data = getattr(request, "POST", {}) or {}
    return login_name(data.get("login") or data.get("username")) or None


def account_locked(username: str) -> bool:
    """Has this account failed ACCOUNT_LOCK_FAILURES times, from any addresses, within the
    last ACCOUNT_LOCK_MINUTES?"""
    from axes.models import AccessFailureLog

    since = timezone.now() - dt.timedelta(minutes=settings.ACCOUNT_LOCK_MINUTES)
    recent = AccessFailureLog.objects.filter(username=username, attempt_time__gte=since)
    return recent.count() >= settings.ACCOUNT_LOCK_FAILURES


class AccountLockBackend:
    """Refuses an account locked from every address (see `account_locked`); the lockout page
    is rendered by axes' middleware, as for its own locks. Only `authenticate`: without
    `get_user` it is never the backend a session is stored with."""

    def authenticate(self, request, **credentials):
        if request is None:
            return None
        name = axes_username(request, credentials)
        if name and account_locked(name):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            raise PermissionDenied
        return None


# Master data a supervisor maintains in the admin (app_label.model). Models that do not
# exist (yet) are skipped, so apps can add theirs here as they land.
SUPERVISOR_MASTER_DATA = [
    "tickets.servicearea",
    "tickets.callcentre",
    "tickets.warrantypolicy",
    "tickets.warrantycomponentterm",
    "tickets.feeitem",
    "tickets.servicetype",
    "tickets.returnrule",
    "tickets.extendedwarrantyproduct",
    # SLA master data (its admin also admits supervisors by role).
    "tickets.slapolicy",
    "tickets.slatarget",
    "tickets.escalationlevel",
    "tickets.servicecalendar",
    "tickets.servicehours",
    "tickets.holiday",
    # The network and the parts catalogue.
    "engineers.servicepoint",
    "engineers.engineer",
    "spareparts.part",
]
MASTER_DATA_ACTIONS = ("view", "add", "change", "delete")
# Records a supervisor reads in the admin but never edits there (they are written by the
# product: the message outbox, the parts fitted on jobs).
SUPERVISOR_READ_ONLY = [
    "tickets.outboundmessage",
    "spareparts.partusage",
    "tickets.exchangeproposal",
    "tickets.extendedwarrantycontract",
]


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
    for dotted in SUPERVISOR_READ_ONLY:
        app_label, model = dotted.split(".")
        wanted[Role.SUPERVISOR].add((app_label, f"view_{model}"))
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
