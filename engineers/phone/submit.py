"""A form submitted to one service: the service's refusal stands on the form."""

from tickets.errors import DomainError
from tickets.forms import form_add_domain_error

REFUSED = object()


def submit(form, call):
    """`call(cleaned_data)` for a valid form, returning what it returns; `REFUSED` when the
    form is invalid or the service refused (its message then stands on the form)."""
    if not form.is_valid():
        return REFUSED
    try:
        return call(form.cleaned_data)
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return REFUSED
