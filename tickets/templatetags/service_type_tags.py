"""`{{ ticket|service_type_name }}`: the name of a ticket's service type when it is not a
repair, from the cached master data (no query per row of a list)."""

from django import template

from tickets import masterdata

register = template.Library()


@register.filter
def service_type_name(ticket) -> str:
    if ticket.service_type_id == "repair":
        return ""
    kind = masterdata.service_type(ticket.service_type_id)
    return kind.name if kind is not None else ticket.service_type_id
