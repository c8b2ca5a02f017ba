"""Dispatch's codes in the reader's words: `{{ assignment.stage|stage }}`."""

from django import template

from dispatch.matching import stage_label

register = template.Library()


@register.filter
def stage(code) -> str:
    return stage_label(str(code or ""))
