from .roles import roles_of


def roles(request):
    user = getattr(request, "user", None)
    return {"user_roles": roles_of(user) if user is not None else frozenset()}


def operator(request):
    """The operator's brand and hotline, for the customer's pages."""
    from django.conf import settings

    return {
        "operator_brand": settings.OPERATOR_BRAND,
        "operator_hotline": settings.OPERATOR_HOTLINE,
    }
