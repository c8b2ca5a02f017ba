"""The installation sections of a signed report (installed units, the service type's checklist,
the one-stop check) in the reader's language, for the report page and the PDF alike. The
content stores codes (and both languages' words where there are no codes), so a report
issued in Chinese reads in English on an English page."""

from tickets.choices import ApplianceCategory
from tickets.languages import in_language

from .models import ChecklistRecord, OneStopCheck


def _label(choices, code: str, fallback: str = "") -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return fallback or code or ""


def part_name(part: dict) -> str:
    """A report's part in the reader's language (reports issued before both names were
    stored show the one name they have)."""
    return in_language(part.get("name_zh_hans", ""), part.get("name_en", "")) or part.get(
        "name", ""
    )


def category_label(code: str) -> str:
    return _label(ApplianceCategory, code)


def unit_text(unit: dict, sep: str = " · ") -> str:
    """The unit as "Air conditioner KFR-35GW · GR-IN-0001"."""
    name = " ".join(x for x in (category_label(unit.get("category", "")), unit.get("model")) if x)
    return f"{name}{sep}{unit.get('serial', '')}"


def checklist_item_label(item: dict) -> str:
    words = in_language(item.get("label_zh_hans", ""), item.get("label_en", ""))
    return words or item.get("label") or item.get("code", "")


def checklist_result_label(item: dict) -> str:
    return _label(ChecklistRecord.Result, item.get("result") or "")


def one_stop_appliance(check: dict) -> str:
    if "category" not in check:  # reports issued before the codes were stored
        return check.get("appliance", "")
    parts = (category_label(check["category"]), check.get("brand", ""), check.get("model", ""))
    return " ".join(x for x in parts if x)


def one_stop_result_label(check: dict) -> str:
    return _label(OneStopCheck.Result, check.get("result") or "", check.get("result_label", ""))
