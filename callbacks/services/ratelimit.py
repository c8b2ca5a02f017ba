"""Wrong rating codes are counted per address and per ticket number: after a few, the fixed
rating page and the API refuse for a while (a six-digit code must not be guessable). The
counts are shared by every web process (tickets.rate_limits)."""

from tickets.rate_limits import tally, tally_add

CODE_TRIES = 5
CODE_WINDOW_SECONDS = 15 * 60


def code_keys(*, remote_addr: str, number: str) -> list[str]:
    return [f"rate-code:ip:{remote_addr}", f"rate-code:number:{number.upper()}"]


def code_blocked(keys: list[str]) -> bool:
    return any(tally(key) >= CODE_TRIES for key in keys)


def code_failed(keys: list[str]) -> None:
    for key in keys:
        tally_add(key, CODE_WINDOW_SECONDS)
