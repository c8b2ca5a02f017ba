"""How a charge line and the payment read, in the reader's language, wherever they are shown:
the phone's charges page, the report page, the customer's page and the PDF. Each function
takes a `ChargeLine` or a line of a signed report's content (a dict)."""

from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from tickets import hooks
from tickets.choices import labour_label
from tickets.languages import in_language
from tickets.warranty import FreeReason

LANGUAGE_KEYS = (("zh-hans", "label_zh_hans"), ("en", "label_en"))


def _get(line, name: str, default=""):
    if isinstance(line, dict):
        return line.get(name, default)
    return getattr(line, name, default)


def quantity_value(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 1))
    except InvalidOperation:
        return Decimal(1)


def quantity_text(value) -> str:
    """4.5 → "4.5", 3.00 → "3": a quantity as people write it."""
    from .models import quantity_plain

    return format(quantity_plain(quantity_value(value)), "f")


def quantity_json(value) -> int | str:
    """A quantity in a report's content: a whole number stays a JSON number (as in the
    reports issued before fractional metres), a fraction is its decimal text."""
    q = quantity_value(value)
    return int(q) if q == q.to_integral_value() else quantity_text(q)


def unit_label(code: str) -> str:
    """A unit's short form after a quantity: "m", "pcs"."""
    from tickets.models import FeeItem

    if not code:
        return ""
    try:
        return str(FeeItem.Unit(code).label).split(" ")[0]
    except ValueError:
        return code


def line_total(line) -> Decimal:
    """A ChargeLine's or a report line's total (tickets.onsite.models.amount_times)."""
    from .models import amount_times

    amount = Decimal(str(_get(line, "amount", "0") or "0"))
    return amount_times(amount, quantity_value(_get(line, "quantity", 1)))


def part_line_names(lines) -> None:
    """Attach to each part line its catalogue part's names, `line.part_names = {"zh_hans",
    "en"}` (None for a line that refers to no catalogue part), from the spare-parts app:
    one look-up for all the lines, made when the first of them is shown (pages that only
    add up the lines make none)."""
    from .models import ChargeLine

    parts = [line for line in lines if line.kind == ChargeLine.Kind.PART]
    batch = _PartNames(parts)
    for line in parts:
        line.part_names_batch = batch


class _PartNames:
    def __init__(self, lines):
        self.lines = lines
        self.loaded = False

    def load(self) -> None:
        if self.loaded:
            return
        sources = [line.source for line in self.lines if line.source]
        names = hooks.charge_line_part_names(sources=sources)
        for line in self.lines:
            line.part_names = names.get(line.source)
        self.loaded = True


def _part_names(line) -> dict | None:
    if not hasattr(line, "part_names"):
        batch = getattr(line, "part_names_batch", None) or _PartNames([line])
        batch.load()
    return line.part_names


def charge_line_label(line) -> str:
    """The line's name in the active language: the fees by their kind, a part by its
    catalogue name in this language (the stored text is in the language of whoever fitted
    it; a line without a catalogue part shows that text), a signed report's line by the
    words stored with it in both languages."""
    from .models import ChargeLine

    if isinstance(line, dict):
        stored = in_language(line.get("label_zh_hans", ""), line.get("label_en", ""))
        if stored:
            return stored
        kind = line.get("kind")
        if kind in (ChargeLine.Kind.CALL_OUT, ChargeLine.Kind.LABOUR):
            return str(ChargeLine.Kind(kind).label)
        return line.get("description", "")
    if line.kind == ChargeLine.Kind.CALL_OUT:
        return str(ChargeLine.Kind.CALL_OUT.label)
    if line.kind == ChargeLine.Kind.LABOUR:
        try:
            return labour_label(line.ticket.fault_class)
        except ValueError:
            return str(ChargeLine.Kind.LABOUR.label)
    if line.kind == ChargeLine.Kind.PART:
        names = _part_names(line)
        if names:
            return in_language(names["zh_hans"], names["en"])
    return line.description


def charge_line_labels(line) -> dict:
    """The line's name in each language, for a report's content (which never changes)."""
    out = {}
    for language, key in LANGUAGE_KEYS:
        with translation.override(language):
            out[key] = charge_line_label(line)
    return out


def charge_line_quantity(line) -> str:
    """What follows the name: "×1.5 m" for a material by the metre, "×2" for two pieces,
    nothing for one."""
    q = quantity_value(_get(line, "quantity", 1))
    unit = unit_label(_get(line, "unit", ""))
    if unit:
        return f"×{quantity_text(q)} {unit}"
    return f"×{quantity_text(q)}" if q != 1 else ""


def payment_status_text(charges: dict, *, in_warranty: bool, customer_copy: bool = False) -> str:
    """The report's payment status in words: paid (and how), owed, free under warranty, or
    no charge. The customer's copy names no one and carries no payment reference."""
    from .models import OnsiteJob

    total = Decimal(str(charges.get("total") or "0"))
    if charges.get("paid"):
        method = charges.get("payment_method", "")
        try:
            method = str(OnsiteJob.PaymentMethod(method).label)
        except ValueError:
            pass
        text = _("Paid by %(method)s") % {"method": method} if method else _("Paid")
        reference = charges.get("payment_reference", "")
        if reference and not customer_copy:
            text = f"{text} ({reference})"
        return text
    owed = charges.get("owed")
    if owed:
        try:
            how = str(OnsiteJob.OwedCollection(owed.get("collection")).label)
        except ValueError:
            how = owed.get("collection", "")
        words = (
            _("%(amount)s CNY; %(how)s")
            if customer_copy
            else _("%(amount)s CNY, agreed by %(name)s; %(how)s")
        ) % {"amount": owed.get("amount"), "name": owed.get("agreed_by", ""), "how": how}
        return _("Owed: %(what)s") % {"what": words}
    if total <= 0:
        warranty = {FreeReason.IN_WARRANTY, FreeReason.COMPONENT_WARRANTY}
        covered = any(
            line.get("free") and (line.get("free_reason") or FreeReason.IN_WARRANTY) in warranty
            for line in charges.get("lines", [])
        )
        if in_warranty or covered:
            return _("Free under warranty")
        return _("No charge")
    return _("Not paid yet")
