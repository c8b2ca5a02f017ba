"""Words our pages show that come from Django's admin and django-axes, whose Simplified
Chinese catalogues lack them (the admin's table headers for screen readers, axes' model
names in the admin's menu). Marked here so makemessages keeps them in locale/, which
wins over the apps' own catalogues."""

from django.utils.translation import gettext_noop

STRINGS = [
    # django.contrib.admin (5.2) templates/admin/app_list.html
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # templates/admin/auth/user/add_form.html
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # allauth's models without a verbose name (permission lists)
    gettext_noop("authenticator"),
    gettext_noop("user session"),
    # django-axes
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
]
