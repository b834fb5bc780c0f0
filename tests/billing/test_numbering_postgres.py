"""Gapless superbill numbers under concurrency: a row lock on the clinic's counter."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Superbill, SuperbillCounter
from billing.services.catalogue import service_codes_seed
from billing.services.charges import charge_create
from billing.services.superbills import superbill_issue
from tests.conftest import requires_postgres
from tests.factories import DiagnosisFactory, PatientFactory, StaffFactory

pytestmark = [requires_postgres, pytest.mark.postgres]


@pytest.mark.django_db(transaction=True)
def test_ten_threads_issuing_get_ten_consecutive_numbers():
    provider = StaffFactory(npi="1234567893")
    clinic = provider.clinic
    service_codes_seed(clinic=clinic)
    patients = []
    for _ in range(10):
        patient = PatientFactory(clinic=clinic)
        DiagnosisFactory(patient=patient, rank=1)
        charge_create(
            patient=patient,
            code="90837",
            date_of_service=datetime.date(2026, 10, 5),
            rendering_provider=provider,
            diagnosis_pointers=[1],
            approved_by=provider,
        )
        patients.append(patient)

    barrier = threading.Barrier(10)
    numbers, errors = [], []

    def issue(patient):
        try:
            barrier.wait()
            superbill = superbill_issue(
                patient=patient,
                period_start=datetime.date(2026, 10, 1),
                period_end=datetime.date(2026, 10, 31),
                notify=False,
            )
            numbers.append(superbill.number)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    year = Superbill.objects.first().year
    assert sorted(numbers) == [f"SB-{year}-{n:06d}" for n in range(1, 11)]
    assert SuperbillCounter.objects.get(clinic=clinic).last_number == 10
    assert sorted(Superbill.objects.values_list("sequence", flat=True)) == list(range(1, 11))
    assert sum(s.total_charged for s in Superbill.objects.all()) == Decimal("2100.00")
