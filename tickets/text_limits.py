"""Length limits of the free text users and partners type, one place for the model, the
forms and the services that take text without a form. The model field carries the limit
as a validator too (a TextField's max_length alone is only a hint to its form widget)."""

from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _

from .errors import DomainError

FAULT_DESCRIPTION = 2000
NOTE = 2000
REASON = 1000
EVENT_REASON = 4000  # an event's reason carries one of the texts above


def bounded(limit: int) -> dict:
    """Keyword arguments for a models.TextField bounded to `limit` characters."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}


def text_check(value: str, *, field: str, limit: int) -> str:
    """The text, stripped, or a DomainError naming the field when it is too long."""
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError(
            _("At most %(limit)d characters (this has %(n)d).") % {"limit": limit, "n": len(value)},
            field=field,
        )
    return value
