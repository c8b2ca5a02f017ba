"""A return or exchange proposed from a page (the desk's ticket page or the engineer's
phone): the posted form, through the one service."""

from django.contrib import messages
from django.utils.translation import gettext as _

from tickets.errors import DomainError, PermissionDenied
from tickets.forms import form_add_domain_error

from . import services
from .forms import ProposeForm
from .rules import cause_choices, fault_choices, rules_evaluate


def proposal_submitted(request, ticket) -> tuple[ProposeForm, bool]:
    """The proposal posted from the desk or the engineer's phone, through the one service:
    (the form, with its errors, and whether it was proposed). A refusal of the actor's role
    is raised as `PermissionDenied` carrying the form (`exc.form`)."""
    outcomes = rules_evaluate(ticket=ticket, fault="", cause="")
    form = ProposeForm(
        request.POST,
        rules=[o.rule for o in outcomes],
        faults=fault_choices(ticket),
        causes=cause_choices(ticket),
    )
    if not form.is_valid():
        return form, False
    try:
        services.exchange_propose(
            ticket=ticket,
            rule_code=form.cleaned_data["rule"],
            fault=form.cleaned_data["fault"],
            cause=form.cleaned_data["cause"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except PermissionDenied as exc:
        form_add_domain_error(form, exc)
        exc.form = form
        raise
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return form, False
    messages.success(request, _("Proposed; an approver decides."))
    return form, True
