"""The customer rates the job themselves, without login: a section on the tracking page
(and the same form behind the QR code of the service report), or the fixed rating address
with the ticket number and the SMS code. Nothing but the ticket's own summary is shown; a
wrong code is refused and the attempts are rate-limited."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tickets.errors import DomainError, NotFound
from tickets.forms import form_add_domain_error
from tickets.models import Ticket
from tickets.selectors import ticket_get_by_token

from ..models import Survey
from ..services.links import rating_code_matches, rating_url
from ..services.ratelimit import code_blocked, code_failed, code_keys
from ..services.surveys import RATEABLE, survey_submit
from .callback_forms import RatingForm, ShortCodeForm

VIA = {"qr": Survey.Channel.QR_CODE, "": Survey.Channel.TRACKING_PAGE}


def rating_section(*, ticket, language: str = "") -> list[dict]:
    """Registered in tickets.hooks.track_sections: the rating form on the tracking page."""
    if ticket.status not in RATEABLE:
        return []
    survey = Survey.objects.filter(ticket=ticket).first()
    return [
        {
            "template": "callbacks/_track_rating.html",
            "context": {
                "survey": survey,
                "form": RatingForm(),
                "action": reverse("callback_rate", args=[ticket.public_token]),
            },
        }
    ]


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _submit(request, ticket: Ticket, channel: str, form: RatingForm):
    if form.is_valid():
        try:
            survey_submit(ticket=ticket, channel=channel, answers=form.answers())
        except DomainError as exc:
            if exc.code == "already_rated":
                return None, True
            form_add_domain_error(form, exc)
        else:
            return None, True
    return form, False


# No CSRF token check on the two public rating forms: they carry no session (no login), the
# private token in the URL (or the ticket number with the SMS code) is what authorises the
# rating, and the customer's pages send no referrer, so browsers post them with Origin: null.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback_rate(request, token: str):
    """The rating form of one ticket, from its private link or the report's QR code."""
    try:
        ticket = ticket_get_by_token(token=token)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    via = request.GET.get("via", "")
    channel = VIA.get(via, Survey.Channel.TRACKING_PAGE)
    form = RatingForm(request.POST or None)
    done = Survey.objects.filter(ticket=ticket).exists()
    if request.method == "POST" and not done and ticket.status in RATEABLE:
        form, done = _submit(request, ticket, channel, form)
        if done:
            return redirect(
                f"{request.path}?via={via}&thanks=1" if via else f"{request.path}?thanks=1"
            )
    return _private(
        render(
            request,
            "callbacks/rate.html",
            {
                "ticket": ticket,
                "form": form,
                "done": done,
                "rateable": ticket.status in RATEABLE,
                "thanks": request.GET.get("thanks") == "1",
            },
            status=422 if request.method == "POST" and not done else 200,
        )
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback_rate_fixed(request):
    """The fixed, registered rating address an SMS may carry: the ticket number and the
    code from the SMS open the same form."""
    code_form = ShortCodeForm(request.POST or None)
    rating = RatingForm(request.POST or None) if "speed" in request.POST else RatingForm()
    ticket = None
    status = 200
    context = {"code_form": code_form, "form": rating, "ticket": None, "done": False}
    if request.method == "POST" and code_form.is_valid():
        number = code_form.cleaned_data["number"].strip().upper()
        keys = code_keys(remote_addr=request.META.get("REMOTE_ADDR", ""), number=number)
        if code_blocked(keys):
            response = render(
                request,
                "callbacks/rate_fixed.html",
                {**context, "blocked": True},
                status=429,
            )
            return _private(response)
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None or not rating_code_matches(ticket, code_form.cleaned_data["code"]):
            code_failed(keys)
            code_form.add_error("code", _("The ticket number or the code is not right."))
            ticket, status = None, 422
        else:
            context["ticket"] = ticket
            context["done"] = Survey.objects.filter(ticket=ticket).exists()
            context["rateable"] = ticket.status in RATEABLE
            if "speed" in request.POST and not context["done"] and context["rateable"]:
                form, done = _submit(request, ticket, Survey.Channel.SMS_CODE, rating)
                context["done"], context["thanks"] = done, done
                if form is not None:
                    context["form"], status = form, 422
    elif request.method == "POST":
        status = 422
    return _private(render(request, "callbacks/rate_fixed.html", context, status=status))


def rating_qr_svg(request, token: str):
    """The QR code of the private rating link (the service report prints the same)."""
    from ..services.qr import qr_svg

    try:
        ticket = ticket_get_by_token(token=token)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return _private(
        HttpResponse(qr_svg(rating_url(ticket, via="qr")), content_type="image/svg+xml")
    )
