"""A charge line and a signed report's sections in the page's language (one function each,
shared with the PDF: tickets.onsite.charge_display and tickets.onsite.report_display).

{% load report_tags %}
{{ line|line_label }} {{ line|line_quantity }}    a ChargeLine or a report's line
{{ c|payment_status }}  {{ c|payment_status:"customer" }}   a report's content
"""

from django import template

from tickets.onsite import charge_display, report_display

register = template.Library()

register.filter("line_label", charge_display.charge_line_label)
register.filter("line_quantity", charge_display.charge_line_quantity)
register.filter("part_name", report_display.part_name)
register.filter("unit_text", report_display.unit_text)
register.filter("checklist_label", report_display.checklist_item_label)
register.filter("one_stop_appliance", report_display.one_stop_appliance)
register.filter("one_stop_result", report_display.one_stop_result_label)


@register.filter
def payment_status(content: dict, copy: str = "") -> str:
    return charge_display.payment_status_text(
        content.get("charges") or {},
        in_warranty=bool((content.get("appliance") or {}).get("in_warranty")),
        customer_copy=copy == "customer",
    )
