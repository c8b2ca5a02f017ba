"""Two tabs saving a filter of the same name at once leave one filter, not an error."""

import threading

import pytest
from django.db import connection
from django.http import QueryDict

from tests.factories import UserFactory
from tickets.models import SavedTicketFilter
from tickets.saved_filters import saved_filter_save


@pytest.mark.django_db(transaction=True)
def test_saving_one_name_from_four_sessions_at_once_keeps_one_filter():
    user = UserFactory(username="tabs", roles=["agent"])
    errors = []
    barrier = threading.Barrier(4)

    def save(i):
        try:
            barrier.wait()
            saved_filter_save(owner=user, name="Breaches", params=QueryDict(f"sla=breached&q={i}"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(1000, 1004)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = list(SavedTicketFilter.objects.filter(owner=user))
    assert len(rows) == 1 and rows[0].query.startswith("q=100") and "sla=breached" in rows[0].query
