"""Two people drawing the last milligrams of a lot at the same moment: exactly one is refused.

Real threads, each with its own PostgreSQL connection and transaction; the service's
SELECT … FOR UPDATE on the lot row makes the second wait and then see the first's entry.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from controlled import selectors, services
from controlled.errors import InsufficientStock
from controlled.models import LedgerEntry
from tests.conftest import requires_postgres
from tests.factories import PASSWORD


def _race(calls):
    """Run each call in its own thread, released together; return results/exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_draws_of_the_last_milligrams_one_is_refused(lot, people, dose):
    services.administration_record(dosing_record=dose("460"), lot=lot, recorded_by=people.medical)
    first, second = dose("35"), dose("30")  # 40 mg left: either fits, both do not

    results = _race(
        [
            lambda: services.administration_record(
                dosing_record=first, lot=lot, recorded_by=people.medical
            ),
            lambda: services.administration_record(
                dosing_record=second, lot=lot, recorded_by=people.medical
            ),
        ]
    )

    refused = [r for r in results if isinstance(r, InsufficientStock)]
    recorded = [r for r in results if isinstance(r, LedgerEntry)]
    assert len(refused) == 1, results
    assert len(recorded) == 1, results
    assert selectors.lot_balance(lot) == Decimal("40") - (-recorded[0].quantity_mg)
    assert list(lot.entries.values_list("seq", flat=True)) == [1, 2, 3]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_waste_and_a_draw_racing_for_the_last_milligrams(lot, people, nurse, dose):
    services.administration_record(dosing_record=dose("490"), lot=lot, recorded_by=people.medical)
    record = dose("8")

    results = _race(
        [
            lambda: services.administration_record(
                dosing_record=record, lot=lot, recorded_by=people.medical
            ),
            lambda: services.entry_record(
                lot=lot,
                kind="waste",
                quantity_mg="6",
                staff=people.medical,
                witness=nurse,
                witness_password=PASSWORD,
                reason="Remainder",
            ),
        ]
    )

    assert sum(isinstance(r, InsufficientStock) for r in results) == 1, results
    assert selectors.lot_balance(lot) >= 0
    assert lot.entries.count() == 3
