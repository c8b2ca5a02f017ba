import io

import pytest
from django.core.management import call_command

from callbacks import demo_complaints
from callbacks.models import Complaint, QualityReview


@pytest.mark.django_db
def test_the_demo_shows_complaints_at_each_step_and_a_review_once():
    out = io.StringIO()
    call_command("load_demo", stdout=out)  # load_demo runs demo_complaints among the others
    assert "qa / demo-pass-2026" in out.getvalue()
    states = set(Complaint.objects.values_list("state", flat=True))
    assert {"acknowledged", "investigating", "responded", "closed"} <= states
    assert QualityReview.objects.count() == 1
    counts = (Complaint.objects.count(), QualityReview.objects.count())
    demo_complaints.build(io.StringIO())
    assert (Complaint.objects.count(), QualityReview.objects.count()) == counts
