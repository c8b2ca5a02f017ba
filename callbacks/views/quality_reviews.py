"""QA's review queue of sampled jobs and the review form."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.errors import DomainError, NotFound
from tickets.forms import form_add_domain_error
from tickets.onsite.models import ChargeLine
from tickets.permissions import role_required

from .. import selectors_complaints as selectors
from ..models import ComplaintCategory, QualityReview
from ..services.quality_reviews import CHECK_ITEMS, quality_checks, quality_review_record
from .complaints import QA_ROLES

qa_only = role_required(*QA_ROLES)


class ReviewForm(forms.Form):
    findings = forms.CharField(
        label=gettext_lazy("Findings"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    open_corrective = forms.BooleanField(
        label=gettext_lazy("Open a corrective action"), required=False
    )
    corrective_category = forms.ChoiceField(
        label=gettext_lazy("Corrective action about"),
        choices=ComplaintCategory.choices,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in CHECK_ITEMS:
            self.fields[f"check_{code}"] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {code: self.cleaned_data.get(f"check_{code}", False) for code, _l in CHECK_ITEMS}


def qa_review_queue(request):
    qs = selectors.quality_review_queryset_for_user(request.user).select_related(
        "ticket__appliance", "run", "reviewer"
    )
    pending = list(qs.filter(state=QualityReview.State.PENDING).order_by("created_at", "id")[:100])
    done = list(qs.filter(state=QualityReview.State.DONE).order_by("-reviewed_at", "-id")[:20])
    return render(request, "complaints/qa_queue.html", {"pending": pending, "done": done})


qa_review_queue = qa_only(qa_review_queue)


@qa_only
def qa_review_detail(request, review_id: int):
    try:
        review = selectors.quality_review_get_for_user(user=request.user, review_id=review_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    computed = quality_checks(ticket=review.ticket)
    initial = {f"check_{code}": value for code, value in computed.items()}
    form = ReviewForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and review.state == QualityReview.State.PENDING:
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                quality_review_record(
                    review=review,
                    actor=request.user,
                    checklist=form.checklist(),
                    findings=data["findings"],
                    open_corrective=data["open_corrective"],
                    corrective_category=data["corrective_category"] or ComplaintCategory.OTHER,
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Review recorded."))
                return redirect("qa_review_queue")
    items = [
        {
            "field": form[f"check_{code}"],
            "computed": computed[code],
            "recorded": (review.checklist or {}).get(code),
        }
        for code, _label in CHECK_ITEMS
    ]
    return render(
        request,
        "complaints/qa_review.html",
        {
            "review": review,
            "ticket": review.ticket,
            "form": form,
            "items": items,
            "lines": list(ChargeLine.objects.filter(ticket=review.ticket)),
            "corrective": list(review.corrective_actions.all()),
        },
        status=status,
    )
