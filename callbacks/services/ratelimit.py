"""Wrong rating codes are counted per address and per ticket number: after a few, the fixed
rating page and the API refuse for a while (tickets.customer_links holds the rule)."""

from tickets import customer_links
from tickets.customer_links import CODE_TRIES, CODE_WINDOW_SECONDS, code_blocked, code_failed

__all__ = ["CODE_TRIES", "CODE_WINDOW_SECONDS", "code_blocked", "code_failed", "code_keys"]


def code_keys(*, remote_addr: str, number: str) -> list[str]:
    return customer_links.code_keys("rate-code", remote_addr=remote_addr, number=number)
