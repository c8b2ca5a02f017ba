"""Forms of the on-site pages for installed units, materials, the service type's checklist
and the one-stop check."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.choices import ApplianceCategory
from tickets.languages import chinese

from .models import ChecklistRecord, OneStopCheck
from .services.installation import MAX_MATERIAL_QUANTITY


class UnitScanForm(forms.Form):
    serial_number = forms.CharField(
        label=_("Serial number"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
                "enterkeyhint": "done",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Scan or type the unit's serial number.")},
    )
    model_number = forms.ChoiceField(label=_("Model"))

    def __init__(self, *args, models: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_number"].choices = [(m, m) for m in models]


class MaterialForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput, max_length=30)
    # Metres of pipe or cable in fractions (4.5), pieces whole: the service checks the rest.
    quantity = forms.DecimalField(
        label=_("Used in total"),
        min_value=0,
        max_value=MAX_MATERIAL_QUANTITY,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={
            "required": _("Used in total: enter the quantity (0 if none)."),
            "invalid": _("Used in total: enter a number such as 4.5."),
            "max_decimal_places": _("Used in total: at most two decimals (e.g. 4.55)."),
            "max_value": _("Used in total: at most %(limit_value)s."),
            "min_value": _("Used in total: not below 0."),
        },
    )


class ChecklistForm(forms.Form):
    """One result (OK / problem) and a note per item of the service type's checklist."""

    def __init__(self, *args, items: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        zh = chinese()
        self.items = items
        for item in items:
            code = item["code"]
            label = item.get("zh_hans" if zh else "en") or code
            self.fields[f"result_{code}"] = forms.ChoiceField(
                label=label,
                choices=ChecklistRecord.Result.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Give a result for every item.")},
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Note (what is wrong)"), required=False, max_length=300
            )

    def rows(self):
        for item in self.items:
            yield self[f"result_{item['code']}"], self[f"note_{item['code']}"]

    def results(self) -> dict:
        d = self.cleaned_data
        return {
            item["code"]: (d.get(f"result_{item['code']}", ""), d.get(f"note_{item['code']}", ""))
            for item in self.items
        }


class OneStopCheckForm(forms.Form):
    appliance = forms.TypedChoiceField(
        label=_("Appliance"), coerce=int, required=False, empty_value=None
    )
    category = forms.ChoiceField(
        label=_("Category (an appliance not on file)"),
        choices=[("", "—")] + list(ApplianceCategory.choices),
        required=False,
    )
    model_number = forms.CharField(label=_("Model"), max_length=64, required=False)
    serial_number = forms.CharField(
        label=_("Serial number (if readable)"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    result = forms.ChoiceField(
        label=_("Result"), choices=OneStopCheck.Result.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note (a problem opens a repair ticket with it)"),
        max_length=OneStopCheck.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, appliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appliance"].choices = [("", _("Another appliance (enter below)"))] + [
            (a.pk, f"{a}{' · ' + a.serial_number if a.serial_number else ''}") for a in appliances
        ]
