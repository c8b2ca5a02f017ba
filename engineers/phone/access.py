"""Who may open a phone page: the engineer role, and for a job's pages the job must be theirs."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dispatch import selectors as dispatch_selectors
from spareparts.access import van_for_user
from tickets.errors import DomainError, NotFound
from tickets.onsite import selectors as onsite_selectors
from tickets.permissions import role_required
from tickets.roles import Role

engineer_only = role_required(Role.ENGINEER)


def current_engineer(request):
    """The signed-in user's engineer record (a user with the role but no record gets 403)."""
    try:
        return dispatch_selectors.engineer_for_user(request.user)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from None


def own_job(view):
    """Engineer role, and the job must be theirs (else 404, whatever the ticket is); the view
    gets the ticket instead of its id."""

    @engineer_only
    @wraps(view)
    def wrapped(request, ticket_id, *args, **kwargs):
        try:
            ticket = onsite_selectors.job_get_for_engineer(user=request.user, ticket_id=ticket_id)
        except NotFound:
            raise Http404 from None
        return view(request, ticket, *args, **kwargs)

    return wrapped


def van_or_404(user):
    van = van_for_user(user)
    if van is None:
        raise Http404
    return van
