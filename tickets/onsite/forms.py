"""Forms of the engineer's on-site pages. Each carries a `key` (idempotency token) generated
when the page is rendered, so a submit retried by a flaky connection does nothing twice."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets import text_limits
from tickets.choices import FaultClass
from tickets.models import TicketPhoto

from . import catalog
from .models import OnsiteJob
from .photos import MAX_SIGNATURE_BYTES, MAX_UPLOAD_BYTES


def new_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", new_key())


class DiagnosisForm(KeyedForm):
    fault = forms.ChoiceField(label=_("Fault"))
    cause = forms.ChoiceField(label=_("Cause"))
    fault_class = forms.ChoiceField(
        label=_("Difficulty"),
        required=False,
        choices=[("", _("As usual for this fault"))] + list(FaultClass.choices),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=text_limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs_senior = forms.BooleanField(label=_("Needs a senior engineer"), required=False)
    senior_reason = forms.CharField(
        label=_("Why a senior engineer"), required=False, max_length=text_limits.REASON
    )

    def __init__(self, *args, category: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fault"].choices = [("", "—")] + [
            (code, label) for code, label, _cls in catalog.faults_for(category)
        ]
        self.fields["cause"].choices = [("", "—")] + list(catalog.causes_for(category))


class ConsentForm(forms.Form):
    customer_name = forms.CharField(label=_("Customer's name"), max_length=100)
    agreed = forms.BooleanField(
        label=_("The customer agrees to these charges"),
        error_messages={"required": _("The customer must tick that they agree.")},
    )


class PaymentForm(forms.Form):
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=OnsiteJob.PaymentMethod.choices
    )
    payment_reference = forms.CharField(
        label=_("QR payment reference"), required=False, max_length=64
    )
    paid = forms.BooleanField(label=_("Paid"), required=False)


class OwedForm(forms.Form):
    agreed_by = forms.CharField(
        label=_("Name of the person who agreed to pay later"), max_length=100
    )
    collection = forms.ChoiceField(
        label=_("How it will be collected"), choices=OnsiteJob.OwedCollection.choices
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class OwedCollectedForm(forms.Form):
    ticket = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class PhotoForm(KeyedForm):
    kind = forms.ChoiceField(
        label=_("The photo shows"),
        choices=[
            (TicketPhoto.Kind.FAULT, TicketPhoto.Kind.FAULT.label),
            (TicketPhoto.Kind.REPLACED_PART, TicketPhoto.Kind.REPLACED_PART.label),
        ],
    )
    image = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": "image/*",
                "capture": "environment",
                "data-max-bytes": MAX_UPLOAD_BYTES,
                "data-max-message": _("The file is too big: at most %s MB."),
            }
        ),
        error_messages={"required": _("Choose or take a photo.")},
    )


class TestRunForm(forms.Form):
    checked = forms.MultipleChoiceField(
        label=_("Test run"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, category: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checked"].choices = list(catalog.checklist_for(category))


class SignatureForm(forms.Form):
    signer_name = forms.CharField(label=_("Name of the person signing"), max_length=100)
    # The pad's PNG as a data URL: photos.signature_clean decodes it within this bound.
    signature = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=MAX_SIGNATURE_BYTES * 4 // 3 + 32
    )


class WaitingForPartsForm(forms.Form):
    parts_needed = forms.CharField(label=_("Parts needed"), max_length=500)


class CarryInForm(forms.Form):
    loaner_description = forms.CharField(label=_("Loaner unit given"), max_length=200)
    due_back = forms.DateField(label=_("Due back"), widget=forms.DateInput(attrs={"type": "date"}))


class SecondVisitForm(forms.Form):
    window_start = forms.DateTimeField(
        label=_("New visit from"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    window_end = forms.DateTimeField(
        label=_("New visit until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Why a second visit"), required=False, max_length=300)
    customer_name = forms.CharField(label=_("Customer's name"), max_length=100)
    agreed = forms.BooleanField(
        label=_("The customer agrees to the new visit"),
        error_messages={"required": _("The customer must agree to the second visit.")},
    )


class PartsArrivedForm(forms.Form):
    window_start = forms.DateTimeField(
        label=_("Visit from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    window_end = forms.DateTimeField(
        label=_("Visit until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class ReportCorrectionForm(forms.Form):
    notes = forms.CharField(
        label=_("Diagnosis notes (corrected)"),
        max_length=text_limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)
