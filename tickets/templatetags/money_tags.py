"""Money and warranty on every page, from the one rule in `tickets.warranty`:
`{% warranty_badge ticket %}` and `{{ line|free_why }}` (a charge line or a report's line)."""

from django import template

from tickets.warranty import free_reason_text, warranty_badge

register = template.Library()


@register.inclusion_tag("tickets/_warranty_badge.html")
def warranty_badge_for(ticket, with_estimate=False):
    return {"badge": warranty_badge(ticket), "with_estimate": with_estimate}


@register.filter
def free_why(line) -> str:
    """Why a free line is free, translated now (the line stores a code and parameters)."""
    if isinstance(line, dict):
        reason, detail = line.get("free_reason", ""), line.get("free_detail") or {}
    else:
        reason, detail = line.free_reason, line.free_detail
    if not reason:
        return ""
    return free_reason_text(reason, detail)


@register.filter
def collection_label(code: str) -> str:
    from tickets.onsite.models import OnsiteJob

    try:
        return str(OnsiteJob.OwedCollection(code).label)
    except ValueError:
        return code


@register.filter
def warranty_counted_from(verdict) -> str:
    """Which date a warranty verdict counted from (purchase or installation), translated."""
    from tickets.warranty import counted_from_text

    return counted_from_text(verdict)
