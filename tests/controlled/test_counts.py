"""Physical counts by two staff, discrepancies that stay open until explained, inventories."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from controlled import selectors, services, tasks
from controlled.errors import (
    CountAlreadyResolved,
    InsufficientStock,
    InvalidInput,
    InventoryIncomplete,
    WitnessRefused,
)
from controlled.models import PhysicalCount
from tests.factories import PASSWORD, clinic_today, receive_lot

pytestmark = pytest.mark.django_db


def count(lot, people, second, units, password=PASSWORD):
    return services.count_record(
        lot=lot,
        counted_units=units,
        counted_by=people.medical,
        second_counter=second,
        second_counter_password=password,
    )


def test_a_count_that_matches_the_ledger_is_reconciled(lot, people, nurse, dose):
    services.administration_record(dosing_record=dose("35"), lot=lot, recorded_by=people.medical)
    result = count(lot, people, nurse, "9.3")  # 9.3 mL × 50 mg/mL = 465 mg
    assert result.status == "reconciled"
    assert result.counted_mg == result.ledger_balance_mg == Decimal("465.00")
    assert result.discrepancy_mg == 0


def test_a_discrepancy_is_flagged_and_alerts_the_admins(
    lot, people, nurse, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.discrepancy_alert_send, "delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        result = count(lot, people, nurse, "9")  # 450 mg on the shelf, 500 in the ledger

    assert result.status == "open"
    assert result.discrepancy_mg == Decimal("-50.00")
    assert sent == [result.pk]
    assert list(selectors.open_discrepancies(user=people.admin.user)) == [result]

    assert tasks.discrepancy_alert_send(result.pk) is True
    assert tasks.discrepancy_alert_send(result.pk) is False  # safe to run twice
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [people.admin.user.email]
    assert "lot K2201" in mail.outbox[0].subject
    assert people.patient.legal_last_name not in mail.outbox[0].body


def test_the_sweep_sends_alerts_the_broker_missed(lot, people, nurse):
    result = count(lot, people, nurse, "9")  # on_commit never ran: no enqueue happened
    assert tasks.discrepancy_alerts_sweep() == 1
    assert tasks.discrepancy_alerts_sweep() == 0
    result.refresh_from_db()
    assert result.alert_sent_at is not None
    assert len(mail.outbox) == 1


def test_a_count_needs_a_second_counter_with_their_password(lot, people, nurse):
    with pytest.raises(WitnessRefused):
        count(lot, people, people.medical, "10")
    with pytest.raises(WitnessRefused):
        count(lot, people, nurse, "10", password="guess")
    assert not PhysicalCount.objects.exists()


def test_a_discrepancy_stays_open_until_explained(lot, people, nurse):
    result = count(lot, people, nurse, "9.9")
    with pytest.raises(InvalidInput):
        services.count_resolve(count=result, explanation="  ", resolved_by=people.admin)
    result.refresh_from_db()
    assert result.status == "open"

    services.count_resolve(
        count=result,
        explanation="Overfill: the vial held 9.9 mL of its nominal 10 mL.",
        resolved_by=people.admin,
        adjust=True,
        witness=nurse,
        witness_password=PASSWORD,
    )
    result.refresh_from_db()
    assert result.status == "explained"
    assert result.adjustment.quantity_mg == Decimal("-5.00")
    assert result.adjustment.witness == nurse
    assert selectors.lot_balance(lot) == Decimal("495.00")
    assert not selectors.open_discrepancies(user=people.admin.user).exists()
    with pytest.raises(CountAlreadyResolved):
        services.count_resolve(count=result, explanation="again", resolved_by=people.admin)


def test_an_adjustment_from_a_count_cannot_go_below_zero(lot, people, nurse, dose):
    result = count(lot, people, nurse, "0")
    services.administration_record(dosing_record=dose("480"), lot=lot, recorded_by=people.medical)
    with pytest.raises(InsufficientStock):
        services.count_resolve(
            count=result,
            explanation="Vial missing",
            resolved_by=people.admin,
            adjust=True,
            witness=nurse,
            witness_password=PASSWORD,
        )
    result.refresh_from_db()
    assert result.status == "open"


def test_an_inventory_counts_every_lot_on_hand(product, lot, people, nurse):
    other = receive_lot(product=product, received_by=people.medical, containers=3)

    with pytest.raises(InventoryIncomplete) as refused:
        services.inventory_take(
            clinic=people.clinic,
            kind="initial",
            taken_on=clinic_today(people.clinic),
            time_of_day="opening",
            counts={lot.pk: Decimal("10")},
            taken_by=people.medical,
            second_counter=nurse,
            second_counter_password=PASSWORD,
        )
    assert other.lot_number in refused.value.message

    inventory = services.inventory_take(
        clinic=people.clinic,
        kind="initial",
        taken_on=clinic_today(people.clinic),
        time_of_day="opening",
        counts={lot.pk: Decimal("10"), other.pk: Decimal("25")},
        taken_by=people.medical,
        second_counter=nurse,
        second_counter_password=PASSWORD,
    )
    lines = {c.lot_id: c for c in inventory.counts.all()}
    assert lines[lot.pk].status == "reconciled"
    assert (lines[other.pk].full_containers, lines[other.pk].open_container_units) == (2, 5)
    assert lines[other.pk].status == "open"  # 25 mL counted against 30 mL in the ledger
    assert selectors.biennial_due(clinic_id=people.clinic.pk) == (
        clinic_today(people.clinic).replace(year=clinic_today(people.clinic).year + 2)
    )

    with pytest.raises(InvalidInput, match="initial inventory has already been taken"):
        services.inventory_take(
            clinic=people.clinic,
            kind="initial",
            taken_on=clinic_today(people.clinic),
            time_of_day="close",
            counts={lot.pk: Decimal("10"), other.pk: Decimal("30")},
            taken_by=people.medical,
            second_counter=nurse,
            second_counter_password=PASSWORD,
        )


def test_an_inventory_cannot_be_dated_in_the_future(people, nurse):
    with pytest.raises(InvalidInput):
        services.inventory_take(
            clinic=people.clinic,
            kind="biennial",
            taken_on=clinic_today(people.clinic) + datetime.timedelta(days=2),
            time_of_day="close",
            counts={},
            taken_by=people.medical,
            second_counter=nurse,
            second_counter_password=PASSWORD,
        )
