"""Saved ticket-list filters: a user's named query strings. Each user sees and changes only
their own (`saved_filter_get_for_user` 404s for anyone else's)."""

from django.http import QueryDict
from django.utils.translation import gettext as _

from .errors import DomainError, NotFound
from .filters import FILTER_KEYS
from .models import SavedTicketFilter

MAX_PER_USER = 30


def saved_filter_query(params: QueryDict) -> str:
    """The part of a list's query string worth keeping: the filters and the sort, in a fixed
    order, without paging or empty values."""
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = (params.get(key) or "").strip()
        if value:
            kept[key] = value[:100]
    return kept.urlencode()[: SavedTicketFilter._meta.get_field("query").max_length]


def saved_filters_for_user(user) -> list[SavedTicketFilter]:
    return list(SavedTicketFilter.objects.filter(owner=user).order_by("name")[:MAX_PER_USER])


def saved_filter_get_for_user(*, user, filter_id: int) -> SavedTicketFilter:
    try:
        return SavedTicketFilter.objects.get(owner=user, pk=filter_id)
    except (SavedTicketFilter.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Saved filter not found.")) from None


def saved_filter_save(*, owner, name: str, params: QueryDict) -> SavedTicketFilter:
    """Save the list's current filters under `name`, replacing the user's filter of that
    name (an upsert on the (owner, name) constraint, safe when two tabs save at once)."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the filter a name."), field="name")
    existing = SavedTicketFilter.objects.filter(owner=owner)
    if existing.count() >= MAX_PER_USER and not existing.filter(name=name).exists():
        # A soft cap against a runaway script; a race may let one more through.
        raise DomainError(
            _("You have %(n)s saved filters already: delete one first.") % {"n": MAX_PER_USER},
            field="name",
        )
    row = SavedTicketFilter(owner=owner, name=name, query=saved_filter_query(params))
    SavedTicketFilter.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["owner", "name"], update_fields=["query"]
    )
    return SavedTicketFilter.objects.get(owner=owner, name=name)


def saved_filter_delete(*, user, filter_id: int) -> SavedTicketFilter:
    """Delete the user's own filter (NotFound for anyone else's); returns what was deleted."""
    saved = saved_filter_get_for_user(user=user, filter_id=filter_id)
    saved.delete()
    return saved
