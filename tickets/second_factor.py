"""Two-factor login for those who can change the most, and an account that is switched off
being switched off at once.

Supervisors and admins must sign in with a second factor (TOTP through allauth's MFA, with
recovery codes); other staff may enrol at /accounts/2fa/. A supervisor who logged in with a
password only and has no authenticator yet is sent to enrol before any other page opens.
Sessions not made by a login (Django's test client's `force_login`) carry no record and are
left alone; every real login goes through allauth, the admin's included (config/urls.py).
"""

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.utils import is_mfa_enabled
from django.shortcuts import redirect
from django.urls import reverse

from .roles import SUPERVISING_ROLES, has_role

OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/jsi18n/")
ENROLLED_KEY = "second_factor_enrolled"


def second_factor_required(user) -> bool:
    return has_role(user, *SUPERVISING_ROLES)


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_enrol(request):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def _must_enrol(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(OPEN_PREFIXES):
            return False
        records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY)
        if not records:
            return False
        if any(record.get("method") == "mfa" for record in records):
            return False
        if not second_factor_required(user) or request.session.get(ENROLLED_KEY):
            return False
        if is_mfa_enabled(user):
            # Enrolled during this session: no need to ask the database on every request.
            request.session[ENROLLED_KEY] = True
            return False
        return True


def on_user_saved(sender, instance, **kwargs) -> None:
    """A deactivated user is logged out everywhere and their API tokens are revoked now,
    not when a session or a cache entry runs out."""
    if instance.is_active:
        return
    from allauth.usersessions.models import UserSession
    from rest_framework.authtoken.models import Token

    for session in UserSession.objects.filter(user=instance):
        session.end()
    Token.objects.filter(user=instance).delete()


# The demo's supervisor and admin are enrolled with this published secret so a reviewer can
# add it to an authenticator app (`make run` prints it). Never used outside the demo loader.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def demo_enrol(user) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)
