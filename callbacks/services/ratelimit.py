"""Wrong rating codes are counted per address and per ticket number: after a few, the fixed
rating page and the API refuse for a while (a six-digit code must not be guessable)."""

from django.core.cache import cache

CODE_TRIES = 5
CODE_WINDOW_SECONDS = 15 * 60


def code_keys(*, remote_addr: str, number: str) -> list[str]:
    return [f"rate-code:ip:{remote_addr}", f"rate-code:number:{number.upper()}"]


def code_blocked(keys: list[str]) -> bool:
    return any((cache.get(key) or 0) >= CODE_TRIES for key in keys)


def code_failed(keys: list[str]) -> None:
    for key in keys:
        cache.add(key, 0, CODE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, CODE_WINDOW_SECONDS)
