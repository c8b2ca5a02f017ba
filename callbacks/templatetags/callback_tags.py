"""Tags for the callbacks desk pages.

The agents' queue prints 50 rows of 7 cells on every view; through template variables each
cell was looked up, localised and escaped on its own, and that cost more than the query.
The rows are written here, as `tickets.templatetags.desk_tags` writes the ticket list's.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# One row of callbacks/_queue_rows.html's table. Every {} is filled with an escaped value.
_QUEUE_ROW = (
    '<tr data-callback="{id}">\n'
    '    <td class="{due_class}">{due_label}</td>\n'
    '    <td><a href="{prefix}{id}/">{kind_label}</a></td>\n'
    '    <td class="mono">{number}</td>\n'
    '    <td>{customer_name} <span class="muted mono">{masked_mobile}</span></td>\n'
    "    <td>{category_label} {model_number}</td>\n"
    "    <td>{area_name}</td>\n"
    "    <td>{attempts}</td>\n"
    "  </tr>"
)


@register.simple_tag
def callback_queue_rows(rows: list[dict], work_prefix: str) -> SafeString:
    """The <tr> of each row built by `callbacks.selectors_callbacks.callback_queue_rows`."""
    prefix = escape(work_prefix)
    return mark_safe(  # every value below is escaped
        "\n  ".join(
            _QUEUE_ROW.format(
                id=int(row["id"]),
                prefix=prefix,
                due_class="overdue" if row["overdue"] else "",
                due_label=escape(row["due_label"]),
                kind_label=escape(row["kind_label"]),
                number=escape(row["number"]),
                customer_name=escape(row["customer_name"]),
                masked_mobile=escape(row["masked_mobile"]),
                category_label=escape(row["category_label"]),
                model_number=escape(row["model_number"]),
                area_name=escape(row["area_name"]),
                attempts=int(row["attempts"]),
            )
            for row in rows
        )
    )
