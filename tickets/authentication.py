"""API token authentication with the token's user held in the master-data cache: a partner
system posting hundreds of tickets a second is not looked up in Postgres each time. A
revoked token, a deactivated user or a changed role stops working within the cache's
recheck interval (tickets.masterdata)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from . import masterdata


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user = masterdata.token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return user, key
