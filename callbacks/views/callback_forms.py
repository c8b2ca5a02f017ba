"""Forms of the callback pages: they parse and bound the input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CallAttempt, Callback
from ..services.call_logging import DEEP_OUTCOMES
from ..services.checkbacks import RESULTS as CHECK_BACK_RESULTS

STARS = [(n, str(n)) for n in range(5, 0, -1)]
YES_NO = [("yes", _("Yes, it is fixed")), ("no", _("No, it is not fixed"))]


def _labels(choices, values):
    return [(v, choices(v).label) for v in values]


class RatingForm(forms.Form):
    speed = forms.TypedChoiceField(
        label=_("Speed of service"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    attitude = forms.TypedChoiceField(
        label=_("Engineer's attitude"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    quality = forms.TypedChoiceField(
        label=_("Quality of the repair"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    fixed = forms.ChoiceField(label=_("Is it fixed?"), choices=YES_NO, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            "speed": data["speed"],
            "attitude": data["attitude"],
            "quality": data["quality"],
            "fixed": data["fixed"] == "yes",
            "comment": data.get("comment", ""),
        }


class CallLogForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("The call"), choices=CallAttempt.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckBackForm(CallLogForm):
    result = forms.ChoiceField(
        label=_("Result (when reached)"),
        choices=[("", "—"), *_labels(Callback.Result, CHECK_BACK_RESULTS)],
        required=False,
        widget=forms.RadioSelect,
    )


class DeepCallbackForm(CallLogForm):
    result = forms.ChoiceField(
        label=_("What was done (when reached)"),
        choices=[("", "—"), *_labels(Callback.Result, DEEP_OUTCOMES)],
        required=False,
        widget=forms.RadioSelect,
    )


class FollowUpForm(CallLogForm, RatingForm):
    """The survey fields are needed only when the customer was reached."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("speed", "attitude", "quality", "fixed"):
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if data.get("outcome") == CallAttempt.Outcome.REACHED:
            for name in ("speed", "attitude", "quality", "fixed"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("Needed when the customer was reached."))
        return data


class ShortCodeForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=32)
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
