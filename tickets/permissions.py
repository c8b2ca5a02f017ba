"""Role checks for pages and the API. Object-level rules live in the selectors."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .roles import has_role


def role_required(*roles: str):
    """Page decorator: anonymous users go to the login page, other roles get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_role(*roles: str) -> type[BasePermission]:
    """DRF permission class: authenticated and holding one of the roles."""

    class HasRole(BasePermission):
        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated) and has_role(
                request.user, *roles
            )

    HasRole.__name__ = f"HasRole_{'_'.join(roles)}"
    return HasRole
