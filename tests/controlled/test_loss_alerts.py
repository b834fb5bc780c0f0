"""A loss (loss/breakage, theft or suspected diversion, stock found missing) alerts every admin
and medical staff member of the clinic at once: by email and on their home page until each
acknowledges it. No patient identifier goes into any of it."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from backend.formatting import format_moment
from controlled import services, tasks
from controlled.models import LossNotice
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db


def loss(lot, people, nurse, kind="loss", mg="450", **kwargs):
    return services.entry_record(
        lot=lot,
        kind=kind,
        quantity_mg=mg,
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
        reason=f"Vial dropped while {people.patient.full_name} was being dosed",
        **kwargs,
    )


def test_a_witnessed_loss_notifies_every_admin_and_medical_staff_member(
    lot, people, nurse, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.loss_notice_send, "delay", lambda pk: sent.append(pk))
    StaffFactory(clinic=people.clinic, role="medical", is_active=False)  # left the clinic
    with django_capture_on_commit_callbacks(execute=True):
        entry = loss(lot, people, nurse)

    notices = LossNotice.objects.filter(entry=entry)
    # The clinic's admins and medical staff (the recorder and witness too); not therapists,
    # not former staff, not another clinic's admin.
    assert {n.recipient for n in notices} == {people.admin, people.medical, nurse}
    assert all(n.clinic_id == people.clinic.pk and n.acknowledged_at is None for n in notices)
    assert sorted(sent) == sorted(n.pk for n in notices)  # emailed at once, after commit


def test_the_loss_email_carries_no_patient_identifier(lot, people, nurse):
    # 03:30 UTC is the evening before in Denver: the email shows the clinic's date and time.
    recorded_at = (timezone.now() + datetime.timedelta(days=1)).replace(
        hour=3, minute=30, second=0, microsecond=0
    )
    with time_machine.travel(recorded_at, tick=False):
        entry = loss(lot, people, nurse, mg="450")
    notice = LossNotice.objects.get(entry=entry, recipient=people.admin)

    assert tasks.loss_notice_send(notice.pk) is True
    assert tasks.loss_notice_send(notice.pk) is False  # safe to run twice
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [people.admin.user.email]
    assert email.subject == "Controlled-substance loss recorded: lot K2201"
    local = recorded_at.astimezone(zoneinfo.ZoneInfo(people.clinic.timezone))
    assert f"{local:%Y-%m-%d %H:%M}" in email.body
    assert f"{recorded_at:%Y-%m-%d %H:%M}" not in email.body
    for fact in (
        "Loss / breakage of 450.00 mg",
        "Ketamine 50 mg/mL, 10 mL vial, lot K2201",
        "Dana Medic, MD",
        "Nina Nurse, RN",
        "Form 106",
        f"/controlled/lots/{lot.pk}/",
    ):
        assert fact in email.body, fact
    for identifier in (people.patient.legal_first_name, people.patient.legal_last_name):
        assert identifier not in email.body and identifier not in email.subject
    # The circumstances are free text and may name someone: they stay in the ledger.
    assert "dropped" not in email.body


def test_the_sweep_sends_notices_the_broker_missed(lot, people, nurse):
    loss(lot, people, nurse)  # on_commit never ran: nothing was enqueued
    assert tasks.loss_notices_sweep() == 3
    assert tasks.loss_notices_sweep() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people.admin.user.email, people.medical.user.email, "nina@example.com"]
    )


def test_theft_and_stock_found_missing_alert_too_but_waste_and_finds_do_not(lot, people, nurse):
    theft = loss(lot, people, nurse, kind="theft", mg="10", reference="DPD 26-0142")
    missing = services.entry_record(
        lot=lot,
        kind="adjustment",
        quantity_mg="-5",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
        reason="Recount found less",
    )
    found = services.entry_record(
        lot=lot,
        kind="adjustment",
        quantity_mg="5",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
        reason="Recount found more",
    )
    waste = services.entry_record(
        lot=lot,
        kind="waste",
        quantity_mg="1",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
        reason="Drawn and not given",
    )
    alerted = set(LossNotice.objects.values_list("entry_id", flat=True))
    assert alerted == {theft.pk, missing.pk}
    assert found.pk not in alerted and waste.pk not in alerted


def test_a_notice_stays_on_the_home_page_until_its_recipient_acknowledges_it(
    lot, people, nurse, web_as
):
    entry = loss(lot, people, nurse)
    client = web_as(people.admin)
    home = client.get("/today/").content.decode()
    assert "Loss / breakage of 450.00 mg" in home
    notice = home[home.index('id="loss-notice-') :]
    notice = notice[: notice.index("</div>")]
    assert "lot K2201" in notice
    local = entry.occurred_at.astimezone(people.clinic.zone)
    # The clinic's time in the product's one format, not the server's.
    assert format_moment(local, people.clinic.zone) in notice
    assert format_moment(entry.occurred_at, datetime.UTC) not in notice
    assert people.patient.legal_last_name not in notice
    assert "Loss / breakage of 450.00 mg" in client.get("/controlled/").content.decode()

    notice = LossNotice.objects.get(recipient=people.admin)
    page = client.get(f"/controlled/notices/{notice.pk}/acknowledge/").content.decode()
    assert "Loss / breakage of 450.00 mg" in page and "Form 106" in page
    response = client.post(f"/controlled/notices/{notice.pk}/acknowledge/", {"next": "/today/"})
    assert response.status_code == 302
    assert response["Location"] == "/today/"
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
    assert "Loss / breakage of 450.00 mg" not in client.get("/today/").content.decode()
    # Everyone else still sees theirs.
    assert "Loss / breakage of 450.00 mg" in web_as(nurse).get("/today/").content.decode()


def test_only_the_recipient_acknowledges_a_notice(lot, people, nurse, web_as, api_as):
    loss(lot, people, nurse)
    theirs = LossNotice.objects.get(recipient=nurse)
    assert web_as(people.admin).post(
        f"/controlled/notices/{theirs.pk}/acknowledge/"
    ).status_code == (404)
    response = api_as(people.other_admin).post(
        f"/api/v1/controlled/notices/{theirs.pk}/acknowledge/"
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


def test_notices_through_the_api(lot, people, nurse, api_as):
    loss(lot, people, nurse)
    client = api_as(people.medical)
    listed = client.get("/api/v1/controlled/notices/").json()
    assert listed["count"] == 1
    notice = listed["results"][0]
    assert notice["kind"] == "loss"
    assert notice["quantity_mg"] == "-450.00"
    assert notice["lot_number"] == "K2201"
    assert notice["acknowledged_at"] is None
    assert people.patient.legal_last_name not in str(listed)

    acknowledged = client.post(f"/api/v1/controlled/notices/{notice['id']}/acknowledge/")
    assert acknowledged.status_code == 200, acknowledged.json()
    assert acknowledged.json()["acknowledged_at"] is not None
    again = client.post(f"/api/v1/controlled/notices/{notice['id']}/acknowledge/")
    assert again.status_code == 409
    assert set(again.json()) >= {"code", "detail", "fields"}
    assert client.get("/api/v1/controlled/notices/?open=1").json()["count"] == 0
    assert api_as(people.therapist).get("/api/v1/controlled/notices/").status_code == 403


def test_a_refused_loss_notifies_no_one(lot, people, nurse):
    from controlled.errors import WitnessRefused

    with pytest.raises(WitnessRefused):
        services.entry_record(
            lot=lot, kind="loss", quantity_mg="450", staff=people.medical, reason="Broken"
        )
    assert not LossNotice.objects.exists()
    assert lot.entries.count() == 1


def test_a_count_adjusted_down_alerts_like_a_loss(lot, people, nurse):
    count = services.count_record(
        lot=lot,
        counted_units=Decimal("9"),
        counted_by=people.medical,
        second_counter=nurse,
        second_counter_password=PASSWORD,
    )
    resolved = services.count_resolve(
        count=count,
        explanation="A vial broke and was not recorded",
        resolved_by=people.admin,
        adjust=True,
        witness=nurse,
        witness_password=PASSWORD,
    )
    assert LossNotice.objects.filter(entry=resolved.adjustment).count() == 3
    assert timezone.now() - LossNotice.objects.first().created_at < datetime.timedelta(minutes=1)
