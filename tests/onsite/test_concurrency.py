import threading

import pytest
from django.db import connection

from tickets.lifecycle import Status
from tickets.models import ServiceReport, TicketEvent
from tickets.onsite import services

from .conftest import signature_data_url
from .test_services import check_in, diagnose


@pytest.mark.django_db(transaction=True)
def test_two_completions_at_once_issue_one_report(
    transactional_db, warranty_policies, fee_schedule, engineer_user
):
    """A flaky connection sends "complete" twice at the same moment: one completion, one
    report, and neither request fails."""
    from tests.factories import ApplianceFactory, ticket_create

    from .conftest import assign_and_schedule

    ticket = assign_and_schedule(ticket_create(appliance=ApplianceFactory()), engineer_user)
    check_in(ticket, engineer_user)
    diagnose(ticket, engineer_user)
    services.test_run_record(
        ticket=ticket,
        engineer_user=engineer_user,
        checked=["powers_on", "compressor_runs", "cools", "door_seals"],
    )
    services.signature_record(
        ticket=ticket, engineer_user=engineer_user, signer_name="Li", data_url=signature_data_url()
    )
    results, errors = [], []
    barrier = threading.Barrier(2)

    def complete():
        try:
            barrier.wait()
            results.append(services.job_complete(ticket=ticket, engineer_user=engineer_user).pk)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1
    assert ServiceReport.objects.filter(ticket=ticket).count() == 1
    assert (
        TicketEvent.objects.filter(ticket=ticket, kind="status", to_status=Status.COMPLETED).count()
        == 1
    )
