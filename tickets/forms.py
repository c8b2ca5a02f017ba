"""Forms of the desk pages. They parse and check input; the services do the writing."""

from django import forms
from django.core.validators import FileExtensionValidator
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from . import masterdata, text_limits
from .booking import booking_window_check
from .choices import ApplianceCategory, Channel, FaultClass, Priority, PurchaseChannel
from .errors import DomainError
from .models import ApplianceTransfer, CustomerContact, DuplicateCustomerReason, ServiceArea
from .proofs import PROOF_MAX_BYTES


def form_add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's error next to the field it names (or above the form)."""
    field = exc.field if exc.field in form.fields else None
    if field is None and exc.field == "address_line" and "address_line" in form.fields:
        field = "address_line"
    form.add_error(field, str(exc.message))


class _LoadedChoiceIterator(ModelChoiceIterator):
    """Choices read from the field's queryset itself, so its few rows are loaded once per
    form and kept: the stock iterator runs a COUNT for the length and streams the rows
    through a server-side cursor on every pass (a rendered select makes two)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)

    def __len__(self):
        return len(self.queryset) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.queryset)


class SmallModelChoiceField(forms.ModelChoiceField):
    """A drop-down over a short list (a call centre's service areas)."""

    iterator = _LoadedChoiceIterator


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address_line = forms.CharField(label=_("Address"), max_length=255)
    # No default: the area decides who serves the customer. The page suggests one from the
    # address (`tickets.intake.area_suggested`); the agent chooses.
    area = SmallModelChoiceField(
        label=_("Service area"),
        queryset=ServiceArea.objects.none(),
        empty_label=_("Choose the service area"),
        error_messages={"required": _("Choose the service area.")},
    )

    def __init__(self, *args, areas=None, suggested=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["area"].queryset = areas
        self.suggested_area = suggested

    def clean_mobile(self):
        # Checked here too so that every field's error shows at once.
        from .services import phone_normalize

        value = self.cleaned_data["mobile"]
        try:
            phone_normalize(value)
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from None
        return value


# Reasons an agent may give for a second customer on a number (not the migration's).
DUPLICATE_REASON_CHOICES = [("", _("— no: this is the customer on file —"))] + [
    (value, label)
    for value, label in DuplicateCustomerReason.choices
    if value != DuplicateCustomerReason.LEGACY
]


class NewCustomerForm(CustomerForm):
    """Registering a caller. When the number is on file the page shows that customer and
    offers to add this address to them; a deliberate second customer needs a reason."""

    contact_name = forms.CharField(
        label=_("Contact at this address"), max_length=100, required=False
    )
    duplicate_reason = forms.ChoiceField(
        label=_("Register a second customer on this number because"),
        choices=DUPLICATE_REASON_CHOICES,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        from django.urls import reverse

        super().__init__(*args, **kwargs)
        # While the agent types the address, a line under the area names the suggestion
        # (the choice itself is left alone).
        self.fields["address_line"].widget.attrs.update(
            {
                "hx-get": reverse("console_customer_new_area"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#area-suggestion",
                "hx-swap": "outerHTML",
                "hx-include": "#id_address_line",
            }
        )


class ApplianceForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ApplianceCategory.choices)
    brand = forms.CharField(label=_("Brand"), max_length=50, required=False)
    model_number = forms.CharField(label=_("Model"), max_length=64)
    serial_number = forms.CharField(label=_("Serial number"), max_length=64, required=False)
    purchase_date = forms.DateField(
        label=_("Purchase date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty if the customer does not know: the warranty stays unknown."),
    )
    purchase_channel = forms.ChoiceField(
        label=_("Bought at"), choices=PurchaseChannel.choices, initial=PurchaseChannel.STORE
    )
    proof_of_purchase = forms.FileField(
        label=_("Proof of purchase"),
        required=False,
        help_text=_("Optional: a photo or PDF of the invoice, up to 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={
                "data-max-bytes": PROOF_MAX_BYTES,
                "data-max-message": _("The file is too big: at most %s MB."),
            }
        ),
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"])],
    )

    transfer_reason = forms.ChoiceField(
        label=_("Transfer the appliance on file to this customer because"),
        choices=[("", "—")] + list(ApplianceTransfer.Reason.choices),
        required=False,
    )

    def clean_proof_of_purchase(self):
        upload = self.cleaned_data.get("proof_of_purchase")
        if upload and upload.size > PROOF_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def service_type_choices() -> list[tuple[str, str]]:
    """The service types open for new tickets, named in the active language."""
    return [(t.code, t.name) for t in masterdata.service_types().values() if t.active]


class TicketForm(forms.Form):
    service_type = forms.ChoiceField(label=_("Service type"), initial="repair", required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    fault_class = forms.ChoiceField(
        label=_("Fault class"), choices=FaultClass.choices, initial=FaultClass.STANDARD
    )
    fault_description = forms.CharField(
        label=_("Fault description"),
        max_length=text_limits.FAULT_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    fault_code = forms.CharField(label=_("Fault code"), max_length=32, required=False)
    preferred_start = forms.DateTimeField(
        label=_("Preferred from"),
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    preferred_end = forms.DateTimeField(
        label=_("Preferred until"),
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    confirm_duplicate = forms.BooleanField(label=_("Open a new ticket anyway"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = service_type_choices()

    def clean_service_type(self):
        return self.cleaned_data.get("service_type") or "repair"

    def clean(self):
        data = super().clean()
        preferred_window_clean(self, data.get("preferred_start"), data.get("preferred_end"))
        return data


def preferred_window_clean(form: forms.Form, start, end) -> None:
    """The customer's preferred window, when both ends are given, as a booking."""
    if start is None or end is None:
        return
    try:
        booking_window_check(start, end, start_field="preferred_start", end_field="preferred_end")
    except DomainError as exc:
        form_add_domain_error(form, exc)


class FeeAcceptForm(forms.Form):
    note = forms.CharField(
        label=_("Note (how the customer agreed)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(),
    )


class ResolveRemotelyForm(forms.Form):
    guidance = forms.CharField(
        label=_("Guidance given on the phone"),
        max_length=text_limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=255)


class ServiceRequestForm(forms.Form):
    """The customer's own request on the public web form: any service type."""

    service_type = forms.ChoiceField(label=_("What do you need?"))
    customer_name = forms.CharField(label=_("Your name"), max_length=100)
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("We send the link to follow your request to this number."),
    )
    area = forms.ModelChoiceField(label=_("Service area"), queryset=ServiceArea.objects.none())
    address_line = forms.CharField(label=_("Address"), max_length=255)
    category = forms.ChoiceField(label=_("Appliance"), choices=ApplianceCategory.choices)
    brand = forms.CharField(label=_("Brand"), max_length=50)
    model = forms.CharField(label=_("Model"), max_length=64)
    serial_number = forms.CharField(label=_("Serial number"), max_length=64, required=False)
    purchase_date = forms.DateField(
        label=_("Purchase date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    fault_description = forms.CharField(
        label=_("Describe the fault or what you need"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferred_start = forms.DateTimeField(
        label=_("Preferred from"),
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    preferred_end = forms.DateTimeField(
        label=_("Preferred until"),
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = service_type_choices()
        self.fields["area"].queryset = ServiceArea.objects.order_by("city", "name")

    def clean_mobile(self):
        from .services import phone_normalize

        try:
            return phone_normalize(self.cleaned_data["mobile"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_purchase_date(self):
        from .services import purchase_date_check

        value = self.cleaned_data.get("purchase_date")
        try:
            purchase_date_check(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("preferred_start"), data.get("preferred_end")
        if (start is None) != (end is None) and not self.has_error("preferred_start"):
            self.add_error("preferred_end", _("Give both ends of the preferred window."))
        else:
            preferred_window_clean(self, start, end)
        return data

    def intake_data(self) -> dict:
        """The request in the terms of `tickets.intake` (the partner API's fields)."""
        data = self.cleaned_data
        window = data.get("preferred_start") is not None
        return {
            "service_type": data["service_type"],
            "customer_name": data["customer_name"].strip(),
            "mobile": data["mobile"],
            "area_code": data["area"],
            "address_line": data["address_line"].strip(),
            "category": data["category"],
            "brand": data["brand"].strip(),
            "model": data["model"].strip(),
            "serial_number": data.get("serial_number", "").strip(),
            "purchase_date": data.get("purchase_date"),
            "purchase_channel": PurchaseChannel.OTHER,
            "fault_description": data["fault_description"],
            "fault_class": FaultClass.STANDARD,
            "priority": Priority.APPOINTMENT if window else Priority.NORMAL,
            "preferred_start": data.get("preferred_start"),
            "preferred_end": data.get("preferred_end"),
        }


class TrackCodeForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=32)
    code = forms.RegexField(
        label=_("Code from the SMS"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("The code has six digits.")},
    )

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()

    def clean_code(self):
        return self.cleaned_data["code"].strip()


# --- the desk's words with the customer (tickets.contacts) --------------------------------


class _OwnIds:
    """Field ids of their own: the ticket page holds several forms with a `note` or a
    `reason` field, and two elements must never share an id."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class NoteForm(_OwnIds, forms.Form):
    id_prefix = "note"

    text = forms.CharField(
        label=_("Internal note (never shown to the customer)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContactForm(_OwnIds, forms.Form):
    """A call with the customer. On the console, `ticket` lists the customer's tickets
    (none: an enquiry that opens no ticket); on a ticket's page the ticket is that one."""

    id_prefix = "call"

    direction = forms.ChoiceField(
        label=_("Who called"),
        choices=CustomerContact.Direction.choices,
        initial=CustomerContact.Direction.INBOUND,
    )
    topic = forms.ChoiceField(
        label=_("What the call was about"), choices=CustomerContact.Topic.choices
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=CustomerContact.Outcome.choices,
        initial=CustomerContact.Outcome.REACHED,
    )
    note = forms.CharField(
        label=_("What was said"),
        max_length=CustomerContact.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    ticket = forms.TypedChoiceField(
        label=_("Ticket"), coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args, tickets=None, topic: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if tickets is None:
            del self.fields["ticket"]
        else:
            self.fields["ticket"].choices = [("", _("No ticket (an enquiry)"))] + [
                (t.pk, t.number) for t in tickets
            ]
        if topic:
            self.fields["topic"].initial = topic


class PriorityForm(_OwnIds, forms.Form):
    id_prefix = "priority"
    priority = forms.ChoiceField(label=_("New priority"), choices=Priority.choices)
    reason = forms.CharField(label=_("Reason for the change"), max_length=255)


class RescheduleForm(_OwnIds, forms.Form):
    id_prefix = "visit"
    window_start = forms.DateTimeField(
        label=_("New window from"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    window_end = forms.DateTimeField(
        label=_("New window until"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    customer_consent = forms.BooleanField(
        label=_("The customer agreed to this window"),
        error_messages={"required": _("A visit can only be moved with the customer's consent.")},
    )
    reason = forms.CharField(label=_("Why"), max_length=255, required=False)


class TrackingResendForm(forms.Form):
    """No fields: the button's POST (and its CSRF token)."""


class SavedFilterForm(forms.Form):
    """Save the ticket list's current filters (`query`, the list's query string) by name."""

    name = forms.CharField(label=_("Save these filters as"), max_length=80)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
