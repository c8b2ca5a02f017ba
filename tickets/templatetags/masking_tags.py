"""`{{ mobile|mobile_masked }}`: the one masking rule (`tickets.masking`) in templates."""

from django import template

from tickets.masking import mobile_masked as _mobile_masked

register = template.Library()


@register.filter
def mobile_masked(mobile: str) -> str:
    return _mobile_masked(mobile)
