import pytest

from tests.factories import UserFactory, ticket_create
from tickets.errors import PermissionDenied, TransitionNotAllowed
from tickets.lifecycle import TRANSITIONS, Status, allowed_roles
from tickets.models import Ticket, TicketEvent
from tickets.roles import Role
from tickets.services import ticket_transition

ALL_MOVES = [(src, dst) for src, targets in TRANSITIONS.items() for dst in targets]


def _force_status(ticket, status):
    # Test set-up only: place a ticket in a state without walking the whole lifecycle.
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()


def _actor_for(roles):
    for role in (Role.SYSTEM, Role.AGENT, Role.DISPATCHER, Role.ENGINEER, Role.PARTNER):
        if role in roles:
            if role == Role.SYSTEM:
                return None
            return UserFactory(roles=[role])
    raise AssertionError(roles)


@pytest.mark.parametrize(("src", "dst"), ALL_MOVES)
def test_every_allowed_move_is_applied_and_logged(db, warranty_policies, src, dst):
    ticket = ticket_create()
    _force_status(ticket, src)
    actor = _actor_for(allowed_roles(src, dst))
    event = ticket_transition(ticket=ticket, to=dst, actor=actor, reason="because")
    ticket.refresh_from_db()
    assert ticket.status == dst
    assert (event.from_status, event.to_status, event.reason) == (src, dst, "because")
    assert event.actor == actor
    if dst in Status.terminal():
        assert ticket.closed_at is not None


REFUSED = [
    (Status.NEW, Status.COMPLETED),
    (Status.AWAITING_DISPATCH, Status.ON_SITE),
    (Status.ASSIGNED, Status.COMPLETED),
    (Status.CLOSED, Status.AWAITING_DISPATCH),
    (Status.CANCELLED, Status.NEW),
    (Status.COMPLETED, Status.ON_SITE),
    (Status.AWAITING_FEE_ACCEPTANCE, Status.ASSIGNED),
]


@pytest.mark.parametrize(("src", "dst"), REFUSED)
def test_moves_outside_the_table_are_refused_and_change_nothing(db, warranty_policies, src, dst):
    ticket = ticket_create()
    _force_status(ticket, src)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    with pytest.raises(TransitionNotAllowed) as info:
        ticket_transition(ticket=ticket, to=dst, actor=None)
    assert info.value.code == "transition_not_allowed"
    assert info.value.field == "status"
    ticket.refresh_from_db()
    assert ticket.status == src
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


def test_role_not_allowed_for_move_is_refused(db, warranty_policies, agent, engineer_user):
    ticket = ticket_create()
    _force_status(ticket, Status.ASSIGNED)
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, to=Status.ACCEPTED, actor=agent)
    _force_status(ticket, Status.COMPLETED)
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, to=Status.CLOSED, actor=engineer_user)


def test_supervisor_may_make_desk_moves(db, warranty_policies, supervisor):
    ticket = ticket_create()
    ticket_transition(ticket=ticket, to=Status.CANCELLED, actor=supervisor, reason="duplicate")
    assert ticket.status == Status.CANCELLED


def test_events_are_append_only(db, warranty_policies):
    ticket = ticket_create()
    event = ticket.events.first()
    event.reason = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
