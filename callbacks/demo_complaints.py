"""Demo complaints at each step and a quality review (run after tickets and dispatch demo
data). Skips everything when already loaded."""

from django.contrib.auth.models import Group, User

from tickets.demo import DEMO_PASSWORD
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_transition

from .models import Complaint, QualityReview, QualitySampleRun
from .services.complaints import complaint_move, complaint_open
from .services.quality_reviews import month_start

S = Complaint.State
STORIES = [
    # (category, remedy wanted, what the customer says, how far QA got)
    (
        "lateness",
        "compensation",
        "约好上午来，师傅下午四点才到，也没有提前打电话。",
        S.ACKNOWLEDGED,
    ),
    ("attitude", "apology", "师傅态度很差，嫌我家楼层高，一直抱怨。", S.INVESTIGATING),
    ("repair_quality", "revisit", "修完第二天又不制冷了。", S.RESPONDED),
    ("charges", "refund", "保修期内还收了上门费50元。", S.CLOSED),
]


def build(stdout):
    if Complaint.objects.filter(source_ref__startswith="demo:").exists():
        stdout.write("complaints demo: already loaded")
        return
    agent = User.objects.filter(username="agent").first()
    if agent is None:
        stdout.write("complaints demo: no tickets demo, skipped")
        return
    qa, created = User.objects.get_or_create(username="qa")
    if created:
        qa.set_password(DEMO_PASSWORD)
        qa.save()
    qa.groups.add(Group.objects.get(name="quality"))
    centre_areas = agent.staff_profile.call_centre.areas.all()
    tickets = list(
        Ticket.objects.filter(area__in=centre_areas).order_by("created_at", "id")[: len(STORIES)]
    )
    for i, (ticket, (category, remedy, text, reach)) in enumerate(
        zip(tickets, STORIES, strict=False)
    ):
        complaint = complaint_open(
            ticket=ticket,
            source="agent",
            remedy_wanted=remedy,
            description=text,
            category=category,
            actor=agent,
            source_ref=f"demo:{i}",
        )
        _walk(complaint, qa, agent, reach)
    _quality_review(stdout)
    stdout.write(
        f"complaints demo: {len(tickets)} complaints and a quality review loaded "
        f"(QA login: qa / {DEMO_PASSWORD})"
    )


def _walk(complaint, qa, agent, reach):
    order = [S.ASSESSED, S.INVESTIGATING, S.RESPONDED, S.ACCEPTED, S.CLOSED]
    if reach == S.ACKNOWLEDGED:
        return
    for to in order[: order.index(reach) + 1]:
        complaint_move(
            complaint=complaint,
            to=to,
            actor=agent if to == S.ACCEPTED else qa,
            severity="medium",
            response="已安排主管回访并致歉，如属收费错误将全额退还。",
            findings="核实工单记录与工程师陈述。",
            remedy_offered=complaint.remedy_wanted,
            root_cause="charging_error",
            note="客户电话确认" if to == S.ACCEPTED else "",
        )


def _quality_review(stdout):
    """One accepted demo job finished (without its on-site records: a review that finds gaps)
    and put in this month's sample."""
    event = (
        TicketEvent.objects.filter(kind="status", to_status=Status.ASSIGNED)
        .filter(ticket__status=Status.ACCEPTED)
        .order_by("id")
        .first()
    )
    engineer = (
        User.objects.filter(pk=(event.data or {}).get("engineer_user_id")).first()
        if event
        else None
    )
    if engineer is None:
        stdout.write("complaints demo: no accepted job to review")
        return
    ticket = event.ticket
    for to in (Status.EN_ROUTE, Status.ON_SITE, Status.COMPLETED):
        ticket_transition(ticket=ticket, to=to, actor=engineer)
    from django.utils import timezone

    run, _created = QualitySampleRun.objects.get_or_create(
        month=month_start(timezone.localdate()),
        defaults={"rate": "0.100", "population": 1, "sampled": 1},
    )
    QualityReview.objects.get_or_create(ticket=ticket, defaults={"run": run})
