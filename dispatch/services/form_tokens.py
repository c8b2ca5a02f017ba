"""One-time form tokens: an engineer's form submitted twice acts once."""

from django.db import IntegrityError, transaction

from ..models import FormSubmission


def form_token_claim(*, token: str, user) -> bool:
    """Record a form's one-time token; False when it was already used (a resubmission).
    Call inside the transaction of the form's work so a failed attempt frees the token."""
    if not token:
        return True
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token[:64], user=user)
    except IntegrityError:
        return False
    return True
