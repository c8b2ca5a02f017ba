import datetime as dt
import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import TAKE_BACK_REASONS
from .rules import Rule, rule_label


def new_token() -> str:
    return secrets.token_urlsafe(16)


class TokenForm(forms.Form):
    """Every engineer form carries a one-time token: submitted twice, it acts once."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", new_token())


DECLINE_REASONS = [
    ("too_far", _("Too far from my other jobs")),
    ("fully_booked", _("Fully booked")),
    ("skills_or_parts", _("Missing skills or parts for this fault")),
    ("unwell", _("Unwell / not working")),
    ("other", _("Other")),
]


class DeclineForm(TokenForm):
    reason = forms.ChoiceField(label=_("Why do you decline?"), choices=DECLINE_REASONS)
    detail = forms.CharField(label=_("Details"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("detail") or "").strip():
            self.add_error("detail", _("Say why you decline the job."))
        return data

    def reason_text(self) -> str:
        label = str(dict(DECLINE_REASONS)[self.cleaned_data["reason"]])
        detail = (self.cleaned_data.get("detail") or "").strip()
        return f"{label}: {detail}" if detail else label


class CallForm(TokenForm):
    outcome = forms.ChoiceField(
        label=_("Outcome of the call"),
        choices=[
            ("reached", _("Reached the customer")),
            ("no_answer", _("No answer")),
            ("wrong_number", _("Wrong number")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class WindowForm(TokenForm):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        data = super().clean()
        if all(data.get(k) for k in ("day", "start", "end")):
            tz = timezone.get_current_timezone()
            data["window_start"] = dt.datetime.combine(data["day"], data["start"], tzinfo=tz)
            data["window_end"] = dt.datetime.combine(data["day"], data["end"], tzinfo=tz)
            if data["window_end"] <= data["window_start"]:
                self.add_error("end", _("The window must end after it starts."))
        return data


class RescheduleForm(WindowForm):
    customer_consent = forms.BooleanField(
        label=_("The customer agreed to the new time"),
        required=True,
        error_messages={"required": _("A visit can only be moved with the customer's consent.")},
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class OnMyWayForm(TokenForm):
    eta_minutes = forms.IntegerField(
        label=_("Minutes until you arrive"), min_value=1, max_value=600, initial=30
    )


def engineer_label(engineer) -> str:
    """Name, username and service point: two engineers of the same name told apart."""
    return f"{engineer.display_name} ({engineer.user.username}) · {engineer.service_point.name}"


class ManualAssignForm(forms.Form):
    engineer = forms.TypedChoiceField(
        label=_("Engineer"),
        coerce=int,
        choices=[],
        # A list box, so that the filter above it shows what is left.
        widget=forms.Select(attrs={"size": 8, "class": "engineer-list"}),
    )
    reason = forms.CharField(
        label=_("Reason for assigning by hand"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )
    # Shown only once the chosen engineer breaks matching rules: each must be ticked.
    confirm_rules = forms.MultipleChoiceField(
        label=_("Assign anyway, overriding"),
        choices=Rule.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, engineers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engineer"].choices = [(e.pk, engineer_label(e)) for e in engineers]
        self.broken_rules: list[str] = []

    def ask_to_confirm(self, rules: list[str], message: str) -> None:
        """The engineer breaks `rules`: show them, each to be ticked to assign anyway."""
        self.broken_rules = list(rules)
        self.fields["confirm_rules"].choices = [(code, rule_label(code)) for code in rules]
        self.add_error("confirm_rules", message)


class TakeBackForm(forms.Form):
    reason_code = forms.ChoiceField(
        label=_("Why is the job taken back?"),
        choices=[(code.value, code.label) for code in TAKE_BACK_REASONS],
    )
    detail = forms.CharField(label=_("Details"), required=False, max_length=500)


class DispatcherRescheduleForm(WindowForm):
    customer_consent = RescheduleForm.base_fields["customer_consent"]
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class DayForm(forms.Form):
    """The day the dispatcher's day view shows."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
