"""The tickets left hanging on the supervisor's live board (tickets.hooks.board_sections):
the longest-stuck few from the daily sweep, and the way to the whole list."""

from tickets.roles import Role, roles_of

from .. import selectors_callbacks as sel

BOARD_ROWS = 10


def hanging_board_section(*, user) -> list[dict]:
    """Supervisors only, like the list itself (a dispatcher's board has no such section)."""
    if not roles_of(user) & {Role.SUPERVISOR, Role.ADMIN}:
        return []
    rows = sel.hanging_list(user=user, limit=BOARD_ROWS + 1)
    return [
        {
            "template": "callbacks/_board_hanging.html",
            "context": {"rows": rows[:BOARD_ROWS], "more": len(rows) > BOARD_ROWS},
        }
    ]
