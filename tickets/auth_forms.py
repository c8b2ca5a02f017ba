"""allauth forms with our account rules (settings.ACCOUNT_FORMS)."""

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress


class VerifiedResetPasswordForm(ResetPasswordForm):
    """Only active accounts that verified the address get a reset link: an address typed
    into a user's record by staff, or added and never confirmed, cannot take the account.
    An address nobody owns gets no mail at all (ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS)."""

    def clean_email(self):
        email = super().clean_email()
        self.users = [
            row.user
            for row in EmailAddress.objects.filter(
                email__iexact=email.strip(), verified=True, user__is_active=True
            ).select_related("user")
        ]
        return email
