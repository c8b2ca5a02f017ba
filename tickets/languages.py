"""One language at a time: which of a record's two names the active language shows."""

from django.conf import settings
from django.utils import translation


def chinese() -> bool:
    """The active language is Chinese (the product's default)."""
    return (translation.get_language() or settings.LANGUAGE_CODE).startswith("zh")


def in_language(zh_hans: str, en: str) -> str:
    return zh_hans if chinese() else en
