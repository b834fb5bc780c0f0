"""The ledger's rules: derived balance, never below zero, witnesses, expiry, reversals,
append-only entries."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from controlled import selectors, services
from controlled.errors import (
    AlreadyAdministered,
    AlreadyReversed,
    InsufficientStock,
    InvalidInput,
    LedgerIsAppendOnly,
    LotExpired,
    WitnessRefused,
)
from controlled.models import LedgerEntry
from tests.conftest import requires_redis
from tests.factories import PASSWORD, StaffFactory, clinic_today, receive_lot

pytestmark = pytest.mark.django_db


def waste(lot, people, witness, mg="5", password=PASSWORD, **kwargs):
    return services.entry_record(
        lot=lot,
        kind="waste",
        quantity_mg=mg,
        staff=people.medical,
        witness=witness,
        witness_password=password,
        reason="Unused remainder of the drawn dose",
        **kwargs,
    )


def test_the_balance_is_the_sum_of_the_entries(lot, people, nurse, dose):
    record = dose("35")
    services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("40")
    )
    waste(lot, people, nurse, mg="5", dosing_record=record)
    services.entry_record(
        lot=lot,
        kind="loss",
        quantity_mg="10",
        staff=people.medical,
        reason="Vial cracked",
        witness=nurse,
        witness_password=PASSWORD,
    )

    entries = list(LedgerEntry.objects.filter(lot=lot))
    assert [(e.seq, e.kind, e.quantity_mg) for e in entries] == [
        (1, "receipt", Decimal("500.00")),
        (2, "administration", Decimal("-35.00")),
        (3, "waste", Decimal("-5.00")),
        (4, "loss", Decimal("-10.00")),
    ]
    assert [e.balance_after_mg for e in entries] == [500, 465, 460, 450]
    assert selectors.lot_balance(lot) == Decimal("450.00")
    listed = selectors.lot_get(user=people.medical.user, pk=lot.pk)
    assert listed.balance_mg == Decimal("450.00")
    # 450 mg of a 50 mg/mL product is 9 mL, 0.9 of a 10 mL vial.
    assert lot.product.units_for(listed.balance_mg) == Decimal("9.00")
    assert lot.product.containers_for(listed.balance_mg) == Decimal("0.90")


def test_receiving_a_lot_records_its_receipt(lot, people):
    receipt = LedgerEntry.objects.get(lot=lot)
    assert receipt.kind == "receipt"
    assert receipt.quantity_mg == Decimal("500.00")
    assert receipt.staff == people.medical
    assert receipt.invoice_number == "INV-2026-0142"
    assert receipt.counterparty_dea_number == "RM2233447"


def test_an_administration_beyond_the_balance_is_refused_and_changes_nothing(lot, people, dose):
    services.administration_record(dosing_record=dose("480"), lot=lot, recorded_by=people.medical)
    too_much = dose("35")

    with pytest.raises(InsufficientStock) as refused:
        services.administration_record(dosing_record=too_much, lot=lot, recorded_by=people.medical)

    assert "holds 20.00 mg" in refused.value.message
    assert not LedgerEntry.objects.filter(dosing_record=too_much).exists()
    assert selectors.lot_balance(lot) == Decimal("20.00")


def test_waste_beyond_the_balance_is_refused(lot, people, nurse, dose):
    services.administration_record(dosing_record=dose("498"), lot=lot, recorded_by=people.medical)
    with pytest.raises(InsufficientStock):
        waste(lot, people, nurse, mg="3")
    assert LedgerEntry.objects.filter(lot=lot).count() == 2


def test_the_last_milligrams_can_be_drawn_to_exactly_zero(lot, people, dose):
    entry = services.administration_record(
        dosing_record=dose("500"), lot=lot, recorded_by=people.medical
    )
    assert entry.balance_after_mg == 0


def test_an_expired_lot_cannot_be_drawn_from(product, people, dose):
    expires_on = clinic_today(people.clinic) + datetime.timedelta(days=30)
    lot = receive_lot(product=product, received_by=people.medical, expires_on=expires_on)
    # Noon (clinic time) the day after expiry: the dose, given earlier that day, is past it.
    day_after = datetime.datetime.combine(
        expires_on + datetime.timedelta(days=1), datetime.time(12), tzinfo=people.clinic.zone
    )
    with time_machine.travel(day_after):
        record = dose("35")
        with pytest.raises(LotExpired) as refused:
            services.administration_record(
                dosing_record=record, lot=lot, recorded_by=people.medical
            )
    assert "cannot be drawn from" in refused.value.message
    assert LedgerEntry.objects.filter(lot=lot).count() == 1


def test_a_lot_may_be_used_on_its_expiry_date(product, people, dose):
    lot = receive_lot(
        product=product, received_by=people.medical, expires_on=clinic_today(people.clinic)
    )
    services.administration_record(dosing_record=dose("35"), lot=lot, recorded_by=people.medical)
    assert selectors.lot_balance(lot) == Decimal("465.00")


def test_an_expired_lot_is_not_received(product, people):
    with pytest.raises(LotExpired):
        receive_lot(
            product=product,
            received_by=people.medical,
            expires_on=clinic_today(people.clinic) - datetime.timedelta(days=1),
        )
    assert not product.lots.exists()


def test_a_supplier_dea_number_with_a_wrong_check_digit_is_refused(product, people):
    with pytest.raises(ValidationError) as refused:
        receive_lot(product=product, received_by=people.medical, supplier_dea_number="RM2233445")
    assert "check digit" in str(refused.value.message_dict["supplier_dea_number"])
    assert not product.lots.exists()


def test_the_witness_must_be_another_staff_member(lot, people):
    with pytest.raises(WitnessRefused) as refused:
        waste(lot, people, people.medical)
    assert "different staff member" in refused.value.message
    assert LedgerEntry.objects.filter(lot=lot).count() == 1


def test_the_witness_must_give_their_own_correct_password(lot, people, nurse):
    with pytest.raises(WitnessRefused) as refused:
        waste(lot, people, nurse, password="not-her-password")
    assert "password of Nina Nurse, RN is not correct" in refused.value.message
    with pytest.raises(WitnessRefused):
        waste(lot, people, nurse, password="")
    assert LedgerEntry.objects.filter(lot=lot).count() == 1


def test_a_witness_from_another_clinic_or_inactive_is_refused(lot, people, nurse):
    with pytest.raises(WitnessRefused):
        waste(lot, people, people.other_admin)
    nurse.is_active = False
    nurse.save()
    with pytest.raises(WitnessRefused):
        waste(lot, people, nurse)
    assert LedgerEntry.objects.filter(lot=lot).count() == 1


def test_a_witnessed_waste_names_its_witness(lot, people, nurse, dose):
    record = dose("35")
    services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("40")
    )
    entry = waste(lot, people, nurse, mg="5", dosing_record=record)
    assert entry.witness == nurse
    assert entry.patient == people.patient
    assert entry.dosing_record == record


def test_waste_of_a_dose_comes_from_the_lot_it_was_drawn_from(product, lot, people, nurse, dose):
    other = receive_lot(product=product, received_by=people.medical)
    record = dose("35")
    services.administration_record(dosing_record=record, lot=lot, recorded_by=people.medical)
    with pytest.raises(InvalidInput):
        waste(other, people, nurse, dosing_record=record)
    assert other.entries.count() == 1


def test_destruction_needs_two_witnesses_other_than_each_other(lot, people, nurse):
    def destroy(second, second_password=PASSWORD):
        return services.entry_record(
            lot=lot,
            kind="destruction",
            quantity_mg="100",
            staff=people.medical,
            method="Chemical digestion (Rx Destroyer)",
            witness=nurse,
            witness_password=PASSWORD,
            second_witness=second,
            second_witness_password=second_password,
        )

    with pytest.raises(WitnessRefused):
        destroy(None)
    with pytest.raises(WitnessRefused):
        destroy(nurse)
    with pytest.raises(WitnessRefused):
        destroy(people.admin, "wrong")
    entry = destroy(people.admin)
    assert (entry.witness, entry.second_witness) == (nurse, people.admin)
    assert selectors.lot_balance(lot) == Decimal("400.00")


def test_a_witness_password_typed_wrong_five_times_pauses_that_witness_only(lot, people, nurse):
    def waste(witness, password):
        return services.entry_record(
            lot=lot,
            kind="waste",
            quantity_mg="1",
            staff=people.medical,
            witness=witness,
            witness_password=password,
            reason="Drawn and not given",
        )

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            with pytest.raises(WitnessRefused, match="is not correct"):
                waste(nurse, "guess")
        # Paused: even the right password is refused now, and nothing is recorded...
        with pytest.raises(WitnessRefused, match="paused") as paused:
            waste(nurse, PASSWORD)
        assert paused.value.code == "witness_paused"
        assert not LedgerEntry.objects.filter(kind="waste").exists()
        # ...but another witness can confirm.
        waste(people.admin, PASSWORD)
        # After the window the witness can confirm again, and success clears the count.
        clock.shift(datetime.timedelta(minutes=16))
        waste(nurse, PASSWORD)
        with pytest.raises(WitnessRefused, match="is not correct"):
            waste(nurse, "guess")
        waste(nurse, PASSWORD)
    assert LedgerEntry.objects.filter(kind="waste").count() == 3


@requires_redis
def test_the_witness_pause_is_shared_through_redis(lot, people, nurse, settings):
    # Production keeps the count in Redis so every web process sees it: the same rule,
    # run against the real cache backend (the broker's server, a key prefix of our own).
    import os
    import uuid

    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CELERY_BROKER_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    try:
        for _ in range(5):
            with pytest.raises(WitnessRefused, match="is not correct"):
                services.entry_record(
                    lot=lot,
                    kind="waste",
                    quantity_mg="1",
                    staff=people.medical,
                    witness=nurse,
                    witness_password="guess",
                    reason="Drawn and not given",
                )
        key = f"witness-failures:{nurse.user_id}"
        assert cache.get(key) == 5
        with pytest.raises(WitnessRefused, match="paused"):
            services.entry_record(
                lot=lot,
                kind="waste",
                quantity_mg="1",
                staff=people.medical,
                witness=nurse,
                witness_password=PASSWORD,
                reason="Drawn and not given",
            )
    finally:
        cache.delete(f"witness-failures:{nurse.user_id}")


def test_each_kind_needs_its_particulars(lot, people, nurse):
    with pytest.raises(InvalidInput, match="needs a reason"):
        services.entry_record(lot=lot, kind="loss", quantity_mg="5", staff=people.medical)
    with pytest.raises(InvalidInput, match="DEA number"):
        services.entry_record(
            lot=lot,
            kind="return",
            quantity_mg="500",
            staff=people.medical,
            counterparty_name="Front Range Medical Supply",
            counterparty_address="Denver",
        )
    with pytest.raises(ValidationError):
        services.entry_record(
            lot=lot,
            kind="transfer",
            quantity_mg="500",
            staff=people.medical,
            counterparty_name="Other clinic",
            counterparty_address="Boulder",
            counterparty_dea_number="AB1234560",
        )
    with pytest.raises(InvalidInput, match="not recorded by hand"):
        services.entry_record(lot=lot, kind="receipt", quantity_mg="5", staff=people.medical)
    assert LedgerEntry.objects.filter(lot=lot).count() == 1


def test_an_adjustment_needs_a_reason_and_a_witness(lot, people, nurse):
    with pytest.raises(WitnessRefused):
        services.entry_record(
            lot=lot, kind="adjustment", quantity_mg="-2", staff=people.medical, reason="Overfill"
        )
    entry = services.entry_record(
        lot=lot,
        kind="adjustment",
        quantity_mg="-2",
        staff=people.medical,
        reason="Vial short-filled",
        witness=nurse,
        witness_password=PASSWORD,
    )
    assert entry.quantity_mg == Decimal("-2.00")
    assert selectors.lot_balance(lot) == Decimal("498.00")


def test_a_reversal_restores_the_balance_and_references_the_original(lot, people, nurse, dose):
    record = dose("35")
    original = services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical
    )
    reversal = services.entry_reverse(
        entry=original,
        reason="Recorded against the wrong lot",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
    )
    assert reversal.reverses == original
    assert reversal.quantity_mg == Decimal("35.00")
    assert reversal.patient == people.patient
    assert selectors.lot_balance(lot) == Decimal("500.00")
    original.refresh_from_db()
    assert original.quantity_mg == Decimal("-35.00")  # the original stays as it was
    assert original.reversed_by == reversal


def test_an_entry_is_reversed_once_and_a_reversal_never(lot, people, nurse):
    receipt = lot.entries.get()
    extra = services.entry_record(
        lot=lot,
        kind="loss",
        quantity_mg="5",
        staff=people.medical,
        reason="Dropped",
        witness=nurse,
        witness_password=PASSWORD,
    )
    reversal = services.entry_reverse(
        entry=extra,
        reason="Found it",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
    )
    with pytest.raises(AlreadyReversed):
        services.entry_reverse(
            entry=extra,
            reason="Again",
            staff=people.medical,
            witness=nurse,
            witness_password=PASSWORD,
        )
    with pytest.raises(InvalidInput):
        services.entry_reverse(
            entry=reversal,
            reason="Undo",
            staff=people.medical,
            witness=nurse,
            witness_password=PASSWORD,
        )
    assert lot.entries.count() == 3
    assert receipt.reverses is None


def test_reversing_a_receipt_already_used_is_refused(lot, people, nurse, dose):
    services.administration_record(dosing_record=dose("35"), lot=lot, recorded_by=people.medical)
    with pytest.raises(InsufficientStock):
        services.entry_reverse(
            entry=lot.entries.get(seq=1),
            reason="Wrong invoice",
            staff=people.medical,
            witness=nurse,
            witness_password=PASSWORD,
        )
    assert lot.entries.count() == 2


def test_a_dose_is_administered_once_until_reversed(product, lot, people, nurse, dose):
    record = dose("35")
    first = services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical
    )
    with pytest.raises(AlreadyAdministered):
        services.administration_record(dosing_record=record, lot=lot, recorded_by=people.medical)
    services.entry_reverse(
        entry=first,
        reason="Wrong lot",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
    )
    other = receive_lot(product=product, received_by=people.medical)
    again = services.administration_record(
        dosing_record=record, lot=other, recorded_by=people.medical
    )
    assert again.lot == other
    assert selectors.lot_balance(lot) == Decimal("500.00")


def test_a_lot_of_another_clinic_is_refused(lot, people):
    from tests.factories import DosingRecordFactory

    foreign = DosingRecordFactory(session__patient=people.foreign_patient)
    with pytest.raises(InvalidInput):
        services.administration_record(dosing_record=foreign, lot=lot, recorded_by=people.medical)


def test_entries_cannot_be_edited_or_deleted_through_the_code(lot):
    entry = lot.entries.get()
    entry.quantity_mg = Decimal("5000")
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(quantity_mg=5000)
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).quantity_mg == Decimal("500.00")


def test_the_database_refuses_to_change_an_entry(lot):
    entry = lot.entries.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE controlled_ledgerentry SET quantity_mg = 5000 WHERE id = %s", [entry.pk]
        )
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM controlled_ledgerentry WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).quantity_mg == Decimal("500.00")


def test_the_database_refuses_a_negative_running_balance(lot, people):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    clinic=people.clinic,
                    lot=lot,
                    seq=2,
                    kind="loss",
                    quantity_mg=Decimal("-600"),
                    balance_after_mg=Decimal("-100"),
                    occurred_at=timezone.now(),
                    staff=people.medical,
                    recorded_by=people.medical,
                    witness=people.admin,
                    reason="bypassing the service",
                )
            ]
        )
    assert lot.entries.count() == 1


def test_another_staff_member_of_the_same_clinic_is_needed_even_for_admins(lot, people):
    other_clinic_staff = StaffFactory(clinic=people.other_clinic, role="medical")
    with pytest.raises(InvalidInput):
        services.entry_record(
            lot=lot, kind="loss", quantity_mg="5", staff=other_clinic_staff, reason="x"
        )
