"""Tags for the desk's hot pages.

The ticket list prints 50 rows of 10 cells on every filter change; through template
variables that was ~600 lookups, each resolved, localised and escaped on its own. Its rows
are written here instead, as the admin's change list writes its cells (`items_for_result`).
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# One row of tickets/ticket_list.html's table. Every {} is filled with an escaped value.
_TICKET_ROW = (
    "<tr>\n"
    '    <td><a class="mono" href="{prefix}{id}/">{number}</a></td>\n'
    '    <td><span class="badge status-{status}">{status_label}</span></td>\n'
    "    <td>{priority}</td>\n"
    "    <td>{type_label}</td>\n"
    '    <td>{customer_name} <span class="muted mono">{masked_mobile}</span></td>\n'
    '    <td>{category_label} <span class="muted">{model_number}</span></td>\n'
    "    <td>{area_name}</td>\n"
    '    <td class="engineer">{engineer_name}</td>\n'
    '    <td class="nowrap{due_class}">{due_label}</td>\n'
    "    <td>{channel_label}</td>\n"
    '    <td class="nowrap">{created_label}</td>\n'
    "  </tr>"
)


@register.simple_tag
def ticket_list_rows(rows: list[dict], detail_prefix: str) -> SafeString:
    """The <tr> of each row built by `tickets.views._list_rows`."""
    prefix = escape(detail_prefix)
    out = []
    for row in rows:
        priority = escape(row["priority_label"])
        if row["emergency"]:
            priority = f'<span class="badge bad">{priority}</span>'
        out.append(
            _TICKET_ROW.format(
                prefix=prefix,
                id=int(row["id"]),
                number=escape(row["number"]),
                status=escape(row["status"]),
                status_label=escape(row["status_label"]),
                priority=priority,
                type_label=escape(row["type_label"]),
                customer_name=escape(row["customer_name"]),
                masked_mobile=escape(row["masked_mobile"]),
                category_label=escape(row["category_label"]),
                model_number=escape(row["model_number"]),
                area_name=escape(row["area_name"]),
                engineer_name=escape(row["engineer_name"]),
                due_label=escape(row["due_label"]),
                due_class=" overdue" if row["overdue"] else "",
                channel_label=escape(row["channel_label"]),
                created_label=escape(row["created_label"]),
            )
        )
    return mark_safe("\n  ".join(out))  # every value above is escaped
