"""Where other apps plug into a ticket's life without tickets importing them.

Handlers run inside the caller's transaction, with the ticket row locked, after the
event is written. A handler that starts background work does so through
`tickets.taskqueue.enqueue_task` (durable), never by calling Celery directly.
Apps register their handlers in `AppConfig.ready()`.
"""

from collections.abc import Callable

Handler = Callable[..., None]
_transition_handlers: list[Handler] = []
_event_handlers: list[Handler] = []
_redispatcher: list[Handler] = []


def on_transition(handler: Handler) -> Handler:
    """Register `handler(*, ticket, from_status, to_status, event, actor)`."""
    if handler not in _transition_handlers:
        _transition_handlers.append(handler)
    return handler


def on_event(handler: Handler) -> Handler:
    """Register `handler(*, ticket, event, actor)` for events that are not status moves
    (a logged call, a fee acceptance, a note)."""
    if handler not in _event_handlers:
        _event_handlers.append(handler)
    return handler


def run_transition_handlers(**kwargs) -> None:
    for handler in list(_transition_handlers):
        handler(**kwargs)


def run_event_handlers(**kwargs) -> None:
    for handler in list(_event_handlers):
        handler(**kwargs)


def set_redispatcher(handler: Handler) -> None:
    """The dispatch app installs `handler(*, ticket, reason, actor)`: take the job from its
    engineer and find the next one. Without it, the ticket just returns to the queue."""
    _redispatcher[:] = [handler]


def redispatch(*, ticket, reason: str, actor=None) -> None:
    if _redispatcher:
        _redispatcher[0](ticket=ticket, reason=reason, actor=actor)
        return
    from .lifecycle import Status
    from .services import ticket_transition

    ticket_transition(ticket=ticket, to=Status.AWAITING_DISPATCH, actor=actor, reason=reason)
