"""Where other apps plug into a ticket's transitions without tickets importing them.

A handler runs inside the transition's transaction, after the event is written,
with the ticket row still locked. A handler that starts background work must do
so after commit (`transaction.on_commit`) or through the task outbox.
Apps register their handlers in `AppConfig.ready()`.
"""

from collections.abc import Callable

TransitionHandler = Callable[..., None]
_transition_handlers: list[TransitionHandler] = []


def on_transition(handler: TransitionHandler) -> TransitionHandler:
    """Register `handler(*, ticket, from_status, to_status, event, actor)`."""
    if handler not in _transition_handlers:
        _transition_handlers.append(handler)
    return handler


def run_transition_handlers(**kwargs) -> None:
    for handler in list(_transition_handlers):
        handler(**kwargs)
