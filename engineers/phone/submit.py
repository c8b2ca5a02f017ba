"""A form submitted to one service: the service's refusal stands on the form."""

from tickets.errors import DomainError

REFUSED = object()


def form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def submit(form, call):
    """`call(cleaned_data)` for a valid form, returning what it returns; `REFUSED` when the
    form is invalid or the service refused (its message then stands on the form)."""
    if not form.is_valid():
        return REFUSED
    try:
        return call(form.cleaned_data)
    except DomainError as exc:
        form_error(form, exc)
        return REFUSED
