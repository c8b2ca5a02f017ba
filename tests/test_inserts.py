"""The hot-path insert stores exactly what the ORM's save() would, and refuses what it
cannot do rather than writing something else."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.transaction import TransactionManagementError
from django.forms.models import model_to_dict
from django.utils import timezone

from tests.factories import (
    ApplianceFactory,
    CustomerFactory,
    UserFactory,
    minimal_pdf,
    ticket_create,
)
from tickets.inserts import (
    RESERVED_BLOCK,
    batched_inserts,
    insert,
    insert_later,
    insert_one,
    reserved_value,
)
from tickets.models import Address, Appliance, Customer, IdempotencyKey, Ticket, TicketEvent
from tickets.services import appliance_create, customer_create

pytestmark = pytest.mark.django_db


def _event(ticket, **overrides):
    fields = dict(
        ticket=ticket,
        kind="note",
        actor_label="张三",
        from_status="assigned",
        to_status="assigned",
        reason="客户改约",
        data={"window": ["10:00", "12:00"], "amount": "170.00", "nested": {"ok": True}},
    )
    return TicketEvent(**{**fields, **overrides})


def test_a_row_reads_back_as_the_orm_would_have_stored_it(warranty_policies):
    ticket, at = ticket_create(), timezone.now() - dt.timedelta(minutes=5)
    ours = insert_one(_event(ticket, created_at=at))
    theirs = _event(ticket, created_at=at)
    theirs.save()
    assert ours.pk and ours.pk != theirs.pk
    stored = TicketEvent.objects.get(pk=ours.pk)
    assert model_to_dict(stored, exclude=["id"]) == model_to_dict(
        TicketEvent.objects.get(pk=theirs.pk), exclude=["id"]
    )
    assert stored.data["nested"] == {"ok": True}
    assert not ours._state.adding


def test_several_rows_in_one_statement_get_their_own_keys_in_order(warranty_policies):
    ticket = ticket_create()
    events = insert([_event(ticket, reason=f"r{i}") for i in range(3)])
    assert [TicketEvent.objects.get(pk=e.pk).reason for e in events] == ["r0", "r1", "r2"]


def test_field_defaults_and_derived_values_are_stored(warranty_policies):
    area = ticket_create().area
    customer, address = customer_create(
        name="李四", mobile="139 1234 5678", address_line="香港中路 8 号", area=area
    )
    stored = type(customer).objects.get(pk=customer.pk)
    assert stored.mobile == "+8613912345678"
    assert stored.mobile_reversed == "87654321931"  # the last-digits search needs it
    assert stored.created_at is not None and stored.updated_at is not None
    assert address.customer_id == customer.pk and address.is_default


def test_a_proof_of_purchase_file_is_stored_with_the_appliance(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    customer = CustomerFactory()
    appliance = appliance_create(
        customer=customer,
        category="fridge",
        brand="Haier",
        model_number="BCD-470",
        proof_of_purchase=SimpleUploadedFile("receipt.pdf", minimal_pdf()),
    )
    stored = Appliance.objects.get(pk=appliance.pk)
    assert stored.proof_of_purchase.name
    assert stored.proof_of_purchase.read() == minimal_pdf()


def test_a_stored_row_is_refused_and_nothing_is_written():
    appliance = ApplianceFactory()
    appliance.model_number = "changed"
    with pytest.raises(ValueError, match="stored already"):
        insert_one(appliance)
    assert Appliance.objects.count() == 1
    assert Appliance.objects.get().model_number != "changed"


def test_an_unsaved_parent_is_refused(warranty_policies):
    unsaved = Ticket(number="SR-X")
    with pytest.raises(ValueError):
        insert_one(_event(unsaved))
    assert not TicketEvent.objects.filter(kind="note").exists()


def test_a_unique_constraint_refuses_or_skips(warranty_policies):
    ticket, client = ticket_create(), UserFactory()
    insert_one(IdempotencyKey(client=client, key="k1", request_hash="a", ticket=ticket))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_one(IdempotencyKey(client=client, key="k1", request_hash="b", ticket=ticket))
    skipped = IdempotencyKey(client=client, key="k1", request_hash="c", ticket=ticket)
    added = IdempotencyKey(client=client, key="k2", request_hash="d", ticket=ticket)
    insert([skipped, added], skip_conflicts=True)
    assert dict(IdempotencyKey.objects.values_list("key", "request_hash")) == {
        "k1": "a",
        "k2": "d",
    }


# --- insert_later and batched_inserts ------------------------------------------------------


def test_rows_queued_in_a_batch_go_in_one_round_trip_at_its_end(
    warranty_policies, django_assert_num_queries
):
    ticket = ticket_create()
    with transaction.atomic():
        with django_assert_num_queries(1) as captured, batched_inserts():
            insert_later([_event(ticket, reason="first")])
            insert_later([_event(ticket, reason="second"), _event(ticket, reason="third")])
        assert captured.captured_queries[0]["sql"].count("INSERT INTO") == 2
    assert sorted(TicketEvent.objects.filter(kind="note").values_list("reason", flat=True)) == [
        "first",
        "second",
        "third",
    ]


def test_a_statement_inside_the_batch_sees_the_rows_queued_before_it(warranty_policies):
    ticket = ticket_create()
    with transaction.atomic(), batched_inserts():
        insert_later([_event(ticket, reason="queued")])
        assert TicketEvent.objects.filter(kind="note", reason="queued").count() == 1
        insert_later([_event(ticket, reason="after the read")])
    assert TicketEvent.objects.filter(kind="note").count() == 2


def test_a_savepoint_rolled_back_inside_the_batch_keeps_what_was_queued_before_it(
    warranty_policies,
):
    ticket = ticket_create()
    with transaction.atomic(), batched_inserts():
        insert_later([_event(ticket, reason="kept")])
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            insert_later([_event(ticket, reason="rolled back")])
            raise ZeroDivisionError
    assert list(TicketEvent.objects.filter(kind="note").values_list("reason", flat=True)) == [
        "kept"
    ]


def test_a_failure_caught_inside_the_transaction_does_not_lose_queued_rows(warranty_policies):
    ticket = ticket_create()
    with transaction.atomic():
        try:
            with batched_inserts():
                insert_later([_event(ticket, reason="before the failure")])
                raise LookupError("a service refused something")
        except LookupError:
            pass
    assert TicketEvent.objects.filter(kind="note", reason="before the failure").exists()


def test_a_refused_row_in_the_batch_rolls_back_the_transaction(warranty_policies):
    ticket, client = ticket_create(), UserFactory()
    insert_one(IdempotencyKey(client=client, key="k1", request_hash="a", ticket=ticket))
    with pytest.raises(IntegrityError), transaction.atomic(), batched_inserts():
        insert_later([_event(ticket, reason="goes with the refused key")])
        insert_later([IdempotencyKey(client=client, key="k1", request_hash="b", ticket=ticket)])
    assert not TicketEvent.objects.filter(kind="note").exists()
    assert IdempotencyKey.objects.get().request_hash == "a"


def test_outside_a_batch_a_later_insert_runs_at_once(warranty_policies):
    ticket = ticket_create()
    insert_later([_event(ticket, reason="now")])
    assert TicketEvent.objects.filter(kind="note", reason="now").exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_needs_a_transaction():
    with pytest.raises(TransactionManagementError), batched_inserts():
        pass


def test_rows_queued_with_keys_can_be_referred_to_before_anything_is_sent(
    area, django_assert_num_queries
):
    def queue_customer_with_address(mobile):
        customer = Customer(name="王芳", mobile=mobile)
        customer.set_derived_fields()
        insert_later([customer], with_keys=True)
        address = Address(customer=customer, line="香港中路 8 号", area=area)
        insert_later([address], with_keys=True)
        return customer, address

    with transaction.atomic(), batched_inserts():
        first, _ = queue_customer_with_address("+8613912345678")  # reserves the blocks
    with transaction.atomic():
        with django_assert_num_queries(1), batched_inserts():
            customer, address = queue_customer_with_address("+8613912345679")
            assert customer.pk and address.customer_id == customer.pk
    assert Customer.objects.get(pk=customer.pk).addresses.get() == address
    assert customer.pk != first.pk


@pytest.mark.django_db(transaction=True)
def test_reserved_values_are_unique_across_concurrent_sessions():
    from django.db import connection

    def take(_):
        try:
            return [reserved_value("ticket_number_seq") for _ in range(RESERVED_BLOCK * 3)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        values = [v for taken in pool.map(take, range(8)) for v in taken]
    assert len(values) == len(set(values)) == 8 * RESERVED_BLOCK * 3


def test_a_refused_call_with_keys_gives_no_row_a_key(area):
    customer = Customer(name="王芳", mobile="+8613912345678")
    customer.set_derived_fields()
    stray = Address(line="香港中路 8 号", area=area)
    with pytest.raises(TypeError, match="one model per insert"):
        insert_later([customer, stray], with_keys=True)
    assert customer.pk is None and stray.pk is None


# --- where the layer is used ----------------------------------------------------------------

# The intake path: ticket_create / customer_create (services), the rows written with them
# (the acknowledgement, outbox rows, SLA clocks) and the intake transaction (intake).
INSERT_LAYER_USERS = {
    "tickets/services.py",
    "tickets/intake.py",
    "tickets/messaging.py",
    "tickets/taskqueue.py",
    "tickets/sla/services/clocks.py",
}


def test_only_the_intake_path_imports_the_insert_layer():
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    users = set()
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")):
            continue
        text = path.read_text(encoding="utf-8")
        if "inserts import" in text or "import inserts" in text:
            users.add(relative)
    assert users <= INSERT_LAYER_USERS, users - INSERT_LAYER_USERS


def test_note_events_and_desk_appliances_reach_post_save_receivers(warranty_policies, agent):
    """Outside the intake, rows are saved by the ORM: what listens for them hears them."""
    from django.db.models.signals import post_save

    from tickets.services import ticket_event_record

    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((sender.__name__, created))

    post_save.connect(listener, sender=TicketEvent)
    post_save.connect(listener, sender=Appliance)
    try:
        ticket = ticket_create(actor=agent)
        heard.clear()
        ticket_event_record(ticket=ticket, kind="note", actor=agent, reason="called back")
        appliance_create(
            customer=ticket.customer, category="tv", brand="Haier", model_number="LU55"
        )
    finally:
        post_save.disconnect(listener, sender=TicketEvent)
        post_save.disconnect(listener, sender=Appliance)
    assert heard == [("TicketEvent", True), ("Appliance", True)]
