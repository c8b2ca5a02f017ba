from allauth.account.adapter import DefaultAccountAdapter


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
