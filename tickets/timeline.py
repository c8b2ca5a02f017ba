"""A ticket's timeline as sentences in the reader's language, and stored reasons as codes.

Every page that shows ticket events (the desk's ticket page, the engineer's job page)
renders them here: one sentence function per event kind (`tickets.event_kinds.EventKind`),
the actor by role, name and username, the values of the event's data as words (a fault's
label, a window in local time), never its keys, ids or JSON. The raw data is kept for an
administrator's "details" toggle.

Reasons written by the system are stored as codes (`data["reason_code"]`, or a code in a
reason field such as `SlaClock.pause_reason`) and translated by `reason_text` when shown;
what a person typed is shown as typed. Other apps add their codes' labels through
`tickets.hooks.reason_labels`.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import hooks
from .choices import ApplianceCategory, Channel, FaultClass, Priority
from .event_kinds import EventKind, event_kind_label
from .lifecycle import CloseReason, Status
from .models import CustomerContact, TicketEvent
from .roles import Role

# Reason codes tickets itself writes (other apps register theirs through hooks).
REASONS: dict[str, object] = {
    "parts_arrived": gettext_lazy("Parts arrived"),
    "diagnosis": gettext_lazy("Diagnosis"),
    "far_from_address": gettext_lazy("Checked in far from the address"),
    "second_visit": gettext_lazy("Second visit needed"),
    "waiting_for_parts": gettext_lazy("Waiting for parts"),
    "customer_postponed": gettext_lazy("Customer asked for a later date"),
    "sla_breached": gettext_lazy("A service clock missed its deadline"),
    **{code: label for code, label in CloseReason.choices},
}

# Short role nouns for "Engineer 吴明亮 (eng07)".
ROLE_NOUNS = {
    Role.AGENT: gettext_lazy("Agent"),
    Role.DISPATCHER: gettext_lazy("Dispatcher"),
    Role.ENGINEER: gettext_lazy("Engineer"),
    Role.SUPERVISOR: gettext_lazy("Supervisor"),
    Role.ADMIN: gettext_lazy("Administrator"),
    Role.PARTNER: gettext_lazy("Partner system"),
    Role.QUALITY: gettext_lazy("Quality assurance"),
    Role.WAREHOUSE: gettext_lazy("Warehouse keeper"),
}


def _all_reasons() -> dict[str, object]:
    return {**REASONS, **hooks.reason_labels()}


def reason_text(value: str, params: dict | None = None) -> str:
    """A stored reason as the reader's words: a code's label (with its parameters), or the
    text a person typed, as it is."""
    if not value:
        return ""
    label = _all_reasons().get(value)
    if label is None:
        return value
    text = str(label)
    if params:
        try:
            text = text % params
        except (KeyError, TypeError, ValueError):
            pass
    return text


@cache
def _legacy_texts() -> dict[str, str]:
    """Reasons once stored as words, in either language, back to their codes (rows written
    before reasons were codes: events are append-only and keep them)."""
    found: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in _all_reasons().items():
                found[str(label)] = code
    return found


@cache
def _texts_of_codes() -> dict[str, tuple[str, ...]]:
    """Each code's words in both languages (the inverse of `_legacy_texts`)."""
    found: dict[str, tuple[str, ...]] = {}
    for text, code in _legacy_texts().items():
        found[code] = (*found.get(code, ()), text)
    return found


def legacy_reason_code(text: str) -> str | None:
    """The code of a reason stored as the system's words (any language), else None."""
    text = (text or "").strip()
    if not text:
        return None
    found = _legacy_texts().get(text)
    if found:
        return found
    for prefix in ("SLA breached:", "时效超时："):
        if text.startswith(prefix):
            return "sla_breached"
    return None


def stored_reason_text(value: str) -> str:
    """A reason field (a pause reason, why an assignment ended) as the reader's words: a
    code, an old system sentence in either language, or what a person typed."""
    code = legacy_reason_code(value)
    return reason_text(code or value)


# --- values as words ----------------------------------------------------------------------


def when_text(value) -> str:
    """A stored moment (aware datetime or ISO text) in local time."""
    return _when(value)


def _when(value) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%d %H:%M")
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return str(value)


def _window(data: dict) -> str:
    start, end = data.get("window_start"), data.get("window_end")
    if not start or not end:
        return ""
    return f"{_when(start)}–{_when(end)[-5:]}"


def _choice(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _fault_label(category: str, code: str) -> str:
    from .onsite import catalog

    return catalog.fault_label(category, code) if code else ""


def _cause_label(category: str, code: str) -> str:
    from .onsite import catalog

    return catalog.cause_label(category, code) if code else ""


@dataclass
class Ctx:
    event: TicketEvent
    actor: str
    data: dict
    category: str = ""

    def get(self, key, default=""):
        value = self.data.get(key, default)
        return default if value is None else value


def actor_name(event: TicketEvent) -> str:
    """ "Engineer 吴明亮 (eng07)", "The system" for work nobody did by hand."""
    user = event.actor
    if user is None:
        return _("The system")
    username = user.get_username()
    full = (user.get_full_name() or "").strip()
    name = f"{full} ({username})" if full and full != username else username
    role = ROLE_NOUNS.get((event.data or {}).get("role") or "")
    if role is None and (event.data or {}).get("engineer_user_id") == user.pk:
        role = ROLE_NOUNS[Role.ENGINEER]
    return f"{role} {name}" if role else name


# --- one sentence per kind ----------------------------------------------------------------

Sentence = Callable[[Ctx], str]


def _s(template) -> Sentence:
    """A sentence that needs only the actor (a lazily translated template)."""
    return lambda c: str(template) % {"actor": c.actor}


def _status(c: Ctx) -> str:
    to = c.event.to_status
    d = c.data
    if to == Status.NEW or c.event.kind == EventKind.CREATED:
        return _("%(actor)s opened the ticket") % {"actor": c.actor}
    if to == Status.ASSIGNED:
        name = d.get("engineer_name")
        if name:
            return _("%(actor)s assigned the job to %(engineer)s") % {
                "actor": c.actor,
                "engineer": name,
            }
        return _("%(actor)s assigned the job to an engineer") % {"actor": c.actor}
    if to == Status.ACCEPTED:
        if d.get("parts_arrived"):
            return _("%(actor)s: the parts arrived, the job is back with the engineer") % {
                "actor": c.actor
            }
        return _("%(actor)s accepted") % {"actor": c.actor}
    if to == Status.SCHEDULED:
        window = _window(d)
        if window:
            return _("%(actor)s booked the visit for %(window)s") % {
                "actor": c.actor,
                "window": window,
            }
        return _("%(actor)s booked the visit") % {"actor": c.actor}
    if to == Status.EN_ROUTE:
        if d.get("eta"):
            return _("%(actor)s is on the way, arriving around %(eta)s") % {
                "actor": c.actor,
                "eta": _when(d["eta"])[-5:],
            }
        return _("%(actor)s is on the way") % {"actor": c.actor}
    if to == Status.ON_SITE:
        return _("%(actor)s checked in at the customer's address") % {"actor": c.actor}
    if to == Status.AWAITING_DISPATCH:
        if c.event.from_status in (Status.NEW, Status.AWAITING_FEE_ACCEPTANCE, ""):
            return _("%(actor)s sent the ticket to dispatch") % {"actor": c.actor}
        return _("%(actor)s returned the job to dispatch") % {"actor": c.actor}
    if to == Status.WAITING_FOR_PARTS:
        return _("%(actor)s put the job on hold for parts") % {"actor": c.actor}
    if to == Status.COMPLETED:
        return _("%(actor)s completed the job") % {"actor": c.actor}
    if to == Status.CANCELLED:
        return _("%(actor)s cancelled the ticket") % {"actor": c.actor}
    if to == Status.CLOSED:
        return _("%(actor)s closed the ticket") % {"actor": c.actor}
    return _("%(actor)s moved the ticket to “%(status)s”") % {
        "actor": c.actor,
        "status": status_label(to),
    }


def _diagnosis(c: Ctx) -> str:
    fault = _fault_label(c.category, c.get("fault"))
    cause = _cause_label(c.category, c.get("cause"))
    if fault and cause:
        return _("Diagnosis: %(fault)s (cause: %(cause)s)") % {"fault": fault, "cause": cause}
    return _("Diagnosis: %(fault)s") % {"fault": fault or _("recorded")}


def _priority_changed(c: Ctx) -> str:
    return _("%(actor)s changed the priority from %(from)s to %(to)s") % {
        "actor": c.actor,
        "from": _choice(Priority, c.get("from")),
        "to": _choice(Priority, c.get("to")),
    }


def _fault_class_changed(c: Ctx) -> str:
    return _("%(actor)s changed the difficulty from %(from)s to %(to)s") % {
        "actor": c.actor,
        "from": _choice(FaultClass, c.get("from")),
        "to": _choice(FaultClass, c.get("to")),
    }


def _customer_call(c: Ctx) -> str:
    outcome = c.get("outcome")
    if outcome == "reached":
        return _("%(actor)s called the customer and reached them") % {"actor": c.actor}
    if outcome == "no_answer":
        return _("%(actor)s called the customer: no answer") % {"actor": c.actor}
    if outcome == "wrong_number":
        return _("%(actor)s called the customer: wrong number") % {"actor": c.actor}
    return _("%(actor)s called the customer") % {"actor": c.actor}


def _contact_logged(c: Ctx) -> str:
    topic = _choice(CustomerContact.Topic, c.get("topic"))
    if c.get("direction") == CustomerContact.Direction.INBOUND:
        return _("%(actor)s took a call from the customer: %(topic)s") % {
            "actor": c.actor,
            "topic": topic,
        }
    return _("%(actor)s called the customer: %(topic)s") % {"actor": c.actor, "topic": topic}


def _rescheduled(c: Ctx) -> str:
    window = _window(c.data)
    if window:
        return _("%(actor)s moved the visit to %(window)s") % {"actor": c.actor, "window": window}
    return _("%(actor)s rescheduled the visit") % {"actor": c.actor}


def _visit_booked(c: Ctx) -> str:
    window = _window(c.data)
    if window:
        return _("%(actor)s booked the next visit for %(window)s") % {
            "actor": c.actor,
            "window": window,
        }
    return _("%(actor)s booked the next visit") % {"actor": c.actor}


def _part_used(c: Ctx) -> str:
    return _("%(actor)s fitted spare part %(sku)s") % {"actor": c.actor, "sku": c.get("sku")}


def _part_requested(c: Ctx) -> str:
    return _("%(actor)s requested %(quantity)s × spare part %(sku)s") % {
        "actor": c.actor,
        "quantity": c.get("quantity", 1),
        "sku": c.get("sku"),
    }


def _part_received(c: Ctx) -> str:
    return _("Spare part %(sku)s arrived at %(place)s") % {
        "sku": c.get("sku"),
        "place": c.get("at"),
    }


def _alarm_repeated(c: Ctx) -> str:
    return _("The appliance raised alarm %(code)s again") % {"code": c.get("fault_code")}


def _signed(c: Ctx) -> str:
    return _("%(signer)s signed the service report") % {"signer": c.get("signer_name")}


def _sla(template) -> Sentence:
    def sentence(c: Ctx) -> str:
        from .sla.models import ClockKind

        return str(template) % {"clock": _choice(ClockKind, c.get("clock"))}

    return sentence


SENTENCES: dict[str, Sentence] = {
    EventKind.STATUS: _status,
    EventKind.CREATED: _status,
    EventKind.DIAGNOSIS: _diagnosis,
    EventKind.PRIORITY_CHANGED: _priority_changed,
    EventKind.FAULT_CLASS_CHANGED: _fault_class_changed,
    EventKind.CUSTOMER_CALL: _customer_call,
    EventKind.CONTACT_LOGGED: _contact_logged,
    EventKind.RESCHEDULED: _rescheduled,
    EventKind.VISIT_BOOKED: _visit_booked,
    EventKind.PART_USED: _part_used,
    EventKind.PART_REQUESTED: _part_requested,
    EventKind.PART_RECEIVED: _part_received,
    EventKind.ALARM_REPEATED: _alarm_repeated,
    EventKind.SIGNED: _signed,
    EventKind.DISPATCH_FAILED: _s(gettext_lazy("No engineer could take the job")),
    EventKind.SLA_WARNING: _sla(gettext_lazy("The “%(clock)s” clock is close to its deadline")),
    EventKind.SLA_BREACHED: _sla(gettext_lazy("The “%(clock)s” clock missed its deadline")),
    EventKind.SLA_ESCALATED: _sla(gettext_lazy("The missed “%(clock)s” deadline was escalated")),
}


def _default(c: Ctx) -> str:
    # Each kind's label is a verb phrase ("added an internal note"), said by the actor.
    return _("%(actor)s %(action)s") % {"actor": c.actor, "action": event_kind_label(c.event.kind)}


def status_label(status: str) -> str:
    if status == Status.NEW:
        return _("Registered")
    try:
        return str(Status(status).label)
    except ValueError:
        return status


# --- the details under a sentence ---------------------------------------------------------


def _details(c: Ctx) -> list[tuple[str, str]]:
    """The facts a reader needs beside the sentence, as (label, words); nothing else."""
    d = c.data
    rows: list[tuple[str, str]] = []

    def add(label, value):
        if value not in (None, "", [], {}):
            rows.append((str(label), str(value)))

    if "channel" in d:
        add(_("channel"), _choice(Channel, d["channel"]))
    if "priority" in d and c.event.kind in (EventKind.CREATED, EventKind.STATUS):
        add(_("priority"), _choice(Priority, d["priority"]))
    if "in_warranty" in d:
        add(_("in warranty"), _("yes") if d["in_warranty"] else _("no"))
    if d.get("fee_estimate") not in (None, ""):
        add(_("fee estimate (CNY)"), d["fee_estimate"])
    if d.get("possible_duplicate_of"):
        add(_("possible duplicate of"), d["possible_duplicate_of"])
    if d.get("check_back_due"):
        add(_("check-back due"), _when(d["check_back_due"]))
    if c.event.kind == EventKind.CONTACT_LOGGED and d.get("outcome"):
        add(_("outcome"), _choice(CustomerContact.Outcome, d["outcome"]))
    if d.get("parts_needed"):
        add(_("parts needed"), d["parts_needed"])
    if c.event.kind in (EventKind.PART_USED,) and d.get("serial_or_batch"):
        add(_("serial or batch"), d["serial_or_batch"])
    if d.get("certificate_number"):
        add(_("certificate"), d["certificate_number"])
    if d.get("amount"):
        add(_("amount (CNY)"), d["amount"])
    if d.get("receipt_number"):
        add(_("receipt number"), d["receipt_number"])
    if d.get("complaint"):
        add(_("complaint"), d["complaint"])
    if d.get("due_at") and c.event.kind != EventKind.SLA_BREACHED:
        add(_("due"), _when(d["due_at"]))
    if d.get("sla_due_at"):
        add(_("was due"), _when(d["sla_due_at"]))
    if d.get("far_from_address") and d.get("distance_m") is not None:
        add(_("distance from the address"), f"{d['distance_m']} m")
    return rows


def _note(event: TicketEvent, data: dict) -> str:
    """Why, in the reader's words: the reason code's label and what a person typed."""
    parts: list[str] = []
    code = data.get("reason_code") or ""
    typed = (event.reason or "").strip()
    if event.to_status == Status.CLOSED and event.kind == EventKind.STATUS and typed:
        return reason_text(typed)  # a close reason code, or a cancellation's own words
    legacy = legacy_reason_code(typed)
    if legacy:
        code, typed = code or legacy, ""
    if code and code in _all_reasons():
        label = reason_text(code, data)
        parts.append(label)
        # A reason once stored as "label: what the dispatcher typed".
        for stored in _texts_of_codes().get(code, ()):
            if typed.startswith(stored):
                typed = typed[len(stored) :].lstrip(":： ").strip()
    if typed:
        parts.append(typed)
    return " — ".join(parts)


@dataclass
class Entry:
    event: TicketEvent
    sentence: str
    note: str
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def created_at(self):
        return self.event.created_at

    @property
    def raw(self) -> str:
        """The stored data, for an administrator's details toggle."""
        return json.dumps(
            {"kind": self.event.kind, "reason": self.event.reason, "data": self.event.data},
            ensure_ascii=False,
            indent=1,
        )


def timeline_entry(event: TicketEvent, *, category: str = "") -> Entry:
    data = event.data or {}
    ctx = Ctx(event=event, actor=actor_name(event), data=data, category=category)
    sentence = SENTENCES.get(event.kind, _default)(ctx)
    return Entry(event=event, sentence=sentence, note=_note(event, data), details=_details(ctx))


def timeline_entries(events, *, category: str = "") -> list[Entry]:
    """Sentences for a ticket's events (load them with `select_related("actor")`)."""
    return [timeline_entry(e, category=category) for e in events]


def category_label(code: str) -> str:
    return _choice(ApplianceCategory, code)
