from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from .roles import Role, roles_of

# Where each role starts its day; the first role the user holds wins.
ROLE_HOME = [
    (Role.SUPERVISOR, "supervisor_board"),
    (Role.ADMIN, "supervisor_board"),
    (Role.DISPATCHER, "dispatch_queue"),
    (Role.AGENT, "agent_console"),
    (Role.ENGINEER, "engineer_jobs"),
    (Role.QUALITY, "complaint_queue"),
    (Role.WAREHOUSE, "parts_desk"),
]


@login_required
def home(request):
    roles = roles_of(request.user)
    for role, url_name in ROLE_HOME:
        if role in roles:
            try:
                return redirect(reverse(url_name))
            except NoReverseMatch:
                continue
    return render(request, "home.html")
