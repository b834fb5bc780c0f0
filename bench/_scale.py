"""A multi-clinic world at service scale, written with PostgreSQL's COPY.

`build(scale)` fills an empty, migrated database with CLINICS clinics; `scale=1.0` gives
the service scale of issue 16 (20,000 patients, 500,000 sessions with dosing records and
vitals, about 200,000 notes and 300,000 charges, 1,000,000 outbox messages). A smaller
scale keeps the same clinics, staff and patients and the same present (every clinician
fully booked from 91 days back to 30 ahead, PRESENT_DAYS_*) and that share of the history
before it: at `scale=0.01`, 1 % of the history, about a third of the rows. Everything is
deterministic: the same scale gives the same rows and ids.

Clinic-level rows (clinic, staff and their users, rooms, service codes, note templates)
go through the ORM and the product's own installers; the bulk tables are copied, with
every column the generator does not set taken from the model field's default, so a new
column with a default needs no change here.
"""

import datetime as dt
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone

CLINICS = 50
PATIENTS_PER_CLINIC = 400  # × 50 = 20,000
SESSIONS_PER_CLINIC = 10_000  # × 50 = 500,000
ZONE = "America/Denver"
SLOT_HOURS = (9, 12, 15)  # two-hour sessions, three a day per clinician
# The present is the same at every scale: every clinician is booked three times a day from
# the longest window a page reads back (the KAP-cycle lookback, 90 days) to a month ahead,
# so Today, the week pages and the worklists show the same days in both worlds. The
# clinics, staff and patients are the same too; only the history before the present scales.
PRESENT_DAYS_BEFORE = settings.CYCLE_GAP_LOOKBACK_DAYS + 1
PRESENT_DAYS_AFTER = 30


@dataclass
class World:
    scale: float
    clinic_ids: list[int] = field(default_factory=list)
    admin_user_id: int = 0  # the first clinic's admin
    therapist_user_id: int = 0  # the first clinic's first therapist
    patient_id: int = 0  # a patient of that therapist
    session_id: int = 0  # a completed dosing session of that patient
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class _Ids:
    """Explicit ids per table, continuing after what the migrations left there."""

    def __init__(self):
        self._next: dict[type, int] = {}

    def take(self, model) -> int:
        if model not in self._next:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')
                self._next[model] = cursor.fetchone()[0] + 1
        value = self._next[model]
        self._next[model] += 1
        return value

    def reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for model, following in self._next.items():
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                    [model._meta.db_table, following],
                )


class _Copier:
    """Rows of one model, copied in one COPY per `flush`."""

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        now = timezone.now()
        self.defaults = {}
        for f in self.fields:
            if f.has_default():
                value = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.null:
                value = None
            elif isinstance(f, models.CharField | models.TextField):
                value = ""
            else:
                value = None
            self.defaults[f.attname] = value
        # Callable defaults (a booking key's uuid4) are called for every row.
        self.per_row = {
            f.attname: f for f in self.fields if f.has_default() and callable(f.default)
        }
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, **values) -> None:
        row = []
        for f in self.fields:
            if f.attname in values:
                value = values[f.attname]
            elif f.attname in self.per_row:
                value = f.get_default()
            else:
                value = self.defaults[f.attname]
            if isinstance(f, models.JSONField) and value is not None:
                value = json.dumps(value)
            row.append(value)
        self.rows.append(tuple(row))
        if len(self.rows) >= 50_000:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        columns = ", ".join(f'"{c}"' for c in self.columns)
        raw = connection.connection  # the psycopg connection under Django's wrapper
        sql = f'COPY "{self.model._meta.db_table}" ({columns}) FROM STDIN'
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in self.rows:
                copy.write_row(row)
        self.count += len(self.rows)
        self.rows = []


def _clinic_rows(index: int, ids: _Ids):
    """One clinic with its admin, 6 therapists, 3 medical staff, 4 rooms, the standard
    service codes and note templates."""
    from billing.services.catalogue import service_codes_seed
    from integration_notes.services.templates import note_templates_install
    from practice.models import Clinic, Room, StaffMember

    User = get_user_model()
    clinic = Clinic.objects.create(
        name=f"Clinic {index + 1:02d}",
        address_line1=f"{100 + index} Main Street",
        city="Denver",
        state="CO",
        postal_code="80202",
        phone="+13035550100",
        timezone=ZONE,
        npi="1234567893",
        tax_id="84-1234567",
    )
    staff = {"admin": [], "therapist": [], "medical": []}
    for role, how_many in (("admin", 1), ("therapist", 6), ("medical", 3)):
        for n in range(how_many):
            user = User.objects.create(
                username=f"c{index + 1:02d}-{role}{n + 1}",
                first_name=role.title(),
                last_name=f"{index + 1:02d}-{n + 1}",
            )
            staff[role].append(
                StaffMember.objects.create(
                    user=user,
                    clinic=clinic,
                    role=role,
                    credentials="MD" if role == "medical" else "",
                    npi="1234567893",
                )
            )
    rooms = [
        Room.objects.create(clinic=clinic, name=f"Room {n + 1}", dosing_capable=n < 2)
        for n in range(4)
    ]
    service_codes_seed(clinic=clinic)
    note_templates_install(clinic=clinic)
    return clinic, staff, rooms


def _local(day: dt.date, hour: int, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def build(scale: float, *, clinics: int = CLINICS, today: dt.date | None = None) -> World:
    """Fill the (empty, migrated, PostgreSQL) database with the world at `scale`."""
    from billing.models import Charge, ServiceCode
    from integration_notes.models import Note, NoteTemplate
    from messaging.models import Reminder
    from practice.models import (
        CareTeam,
        DosingRecord,
        Patient,
        Session,
        TreatmentPlan,
        VitalSigns,
    )

    assert connection.vendor == "postgresql", "the service-scale world is built with COPY"
    started = time.perf_counter()
    world = World(scale=scale)
    zone = ZoneInfo(ZONE)
    today = today or timezone.localdate(timezone.now(), zone)
    now = timezone.now()
    ids = _Ids()
    copiers = {
        model: _Copier(model)
        for model in (
            Patient,
            CareTeam,
            TreatmentPlan,
            Session,
            DosingRecord,
            VitalSigns,
            Note,
            Charge,
            Reminder,
        )
    }

    for c in range(clinics):
        clinic, staff, rooms = _clinic_rows(c, ids)
        world.clinic_ids.append(clinic.pk)
        clinicians = staff["therapist"] + staff["medical"]
        # The same patients at every scale; the present's sessions in full, and `scale` of
        # the history before it.
        per_clinic_patients = PATIENTS_PER_CLINIC
        present_sessions = (
            (PRESENT_DAYS_BEFORE + PRESENT_DAYS_AFTER) * len(SLOT_HOURS) * len(clinicians)
        )
        per_clinic_sessions = present_sessions + round(
            max(0, SESSIONS_PER_CLINIC - present_sessions) * scale
        )
        codes = {
            code: (pk, description, fee)
            for pk, code, description, fee in ServiceCode.objects.filter(clinic=clinic).values_list(
                "pk", "code", "description", "fee"
            )
        }
        visit_code = next(iter(sorted(codes)))
        template_id = (
            NoteTemplate.objects.filter(clinic=clinic, is_current=True)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
            .first()
        )

        patients, plans = [], {}
        for p in range(per_clinic_patients):
            pk = ids.take(Patient)
            patients.append(pk)
            therapist = staff["therapist"][p % len(staff["therapist"])]
            copiers[Patient].add(
                id=pk,
                clinic_id=clinic.pk,
                legal_first_name=f"Given{p}",
                legal_last_name=f"Family{c:02d}",
                date_of_birth=dt.date(1960 + p % 40, 1 + p % 12, 1 + p % 28),
                address_line1=f"{p} Elm Street",
                city="Denver",
                state="CO",
                postal_code="80203",
                phone="+13035550199",
                email=f"patient{p}@example.org",
                insurance_payer="Front Range Health",
                insurance_member_id=f"M{c:02d}{p:05d}",
            )
            copiers[CareTeam].add(
                id=ids.take(CareTeam), patient_id=pk, staff_id=therapist.pk, is_primary=True
            )
            plans[pk] = ids.take(TreatmentPlan)
            copiers[TreatmentPlan].add(
                id=plans[pk],
                clinic_id=clinic.pk,
                patient_id=pk,
                route="im",
                starting_dose_mg_per_kg=Decimal("0.50"),
                goals="Reduce depressive symptoms",
                status="active",
                activated_at=now - dt.timedelta(days=400),
            )

        # Sessions: k at a time, each with its own clinician, patient and (while any is
        # free) room, so no constraint of the calendar is ever met twice.
        k = min(len(clinicians), len(patients))
        slots = math.ceil(per_clinic_sessions / k)
        days = math.ceil(slots / len(SLOT_HOURS))
        future_days = PRESENT_DAYS_AFTER
        first_day = today - dt.timedelta(days=days - future_days)
        for i in range(per_clinic_sessions):
            slot, lane = divmod(i, k)
            day_index, hour_index = divmod(slot, len(SLOT_HOURS))
            starts_at = _local(
                first_day + dt.timedelta(days=day_index), SLOT_HOURS[hour_index], zone
            )
            patient_id = patients[i % len(patients)]
            clinician = clinicians[lane]
            # Each patient's own sessions turn through the kinds (their t-th session is
            # KINDS[t % 4]): with the kind following `i`, its parity decided it, every
            # integration session (so every note) fell to odd-numbered patients, and a
            # therapist with even-numbered ones had no notes at all.
            kind = ("dosing", "integration", "preparation", "integration")[(i // len(patients)) % 4]
            past = starts_at + dt.timedelta(hours=2) < now
            status = "completed" if past else "scheduled"
            session_id = ids.take(Session)
            copiers[Session].add(
                id=session_id,
                clinic_id=clinic.pk,
                patient_id=patient_id,
                plan_id=plans[patient_id],
                kind=kind,
                clinician_id=clinician.pk,
                room_id=rooms[lane].pk if lane < len(rooms) else None,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=2),
                status=status,
                checked_in_at=starts_at if past else None,
                completed_at=starts_at + dt.timedelta(hours=2) if past else None,
            )
            for reminder_kind, before in (("session_48h", 48), ("session_2h", 2)):
                send_at = starts_at - dt.timedelta(hours=before)
                sent = send_at < now
                copiers[Reminder].add(
                    id=ids.take(Reminder),
                    clinic_id=clinic.pk,
                    patient_id=patient_id,
                    kind=reminder_kind,
                    channel="email",
                    target_type="session",
                    target_id=session_id,
                    session_id=session_id,
                    send_at=send_at,
                    status="sent" if sent else "pending",
                    sent_at=send_at if sent else None,
                    subject="Your session",
                    body_text="A reminder of your session.",
                    recipient=f"patient{i % len(patients)}@example.org",
                )
            if not past:
                continue
            if kind == "dosing":
                dosing_id = ids.take(DosingRecord)
                copiers[DosingRecord].add(
                    id=dosing_id,
                    session_id=session_id,
                    route="im",
                    dose_mg=Decimal("35.00"),
                    weight_kg=Decimal("70.0"),
                    dose_mg_per_kg=Decimal("0.50"),
                    lot_number="K2201",
                    administered_at=starts_at + dt.timedelta(minutes=20),
                    administered_by_id=clinician.pk,
                    escort_confirmed=True,
                    fasting_confirmed=True,
                    predose_systolic=122,
                    predose_diastolic=78,
                    predose_heart_rate=72,
                    predose_spo2=98,
                    weight_confirmed=True,
                    dissociation_score=3,
                    sedation="mild",
                )
                for minutes, (systolic, diastolic, pulse) in (
                    (0, (122, 78, 72)),
                    (15, (138, 86, 80)),
                    (45, (126, 80, 74)),
                ):
                    copiers[VitalSigns].add(
                        id=ids.take(VitalSigns),
                        dosing_record_id=dosing_id,
                        taken_at=starts_at + dt.timedelta(minutes=20 + minutes),
                        systolic=systolic,
                        diastolic=diastolic,
                        heart_rate=pulse,
                        spo2=98,
                        recorded_by_id=clinician.pk,
                    )
            elif kind == "integration" and i % 8 != 7 and template_id is not None:
                text = f"Integration session {i}: insights from the last dose, next steps."
                content = {"summary": text}
                copiers[Note].add(
                    id=ids.take(Note),
                    clinic_id=clinic.pk,
                    patient_id=patient_id,
                    session_id=session_id,
                    template_id=template_id,
                    author_id=clinician.pk,
                    content=content,
                    search_text=text,
                    word_count=len(text.split()),
                    status="signed",
                    signed_at=starts_at + dt.timedelta(hours=3),
                    signed_by_id=clinician.pk,
                    content_hash=hashlib.sha256(text.encode()).hexdigest(),
                )
            if i % 3 != 2:
                code_pk, description, fee = codes[visit_code]
                copiers[Charge].add(
                    id=ids.take(Charge),
                    clinic_id=clinic.pk,
                    patient_id=patient_id,
                    session_id=session_id,
                    service_code_id=code_pk,
                    code=visit_code,
                    description=description,
                    date_of_service=starts_at.astimezone(zone).date(),
                    place_of_service="11",
                    unit_fee=fee,
                    amount=fee,
                    rendering_provider_id=clinician.pk,
                    diagnosis_pointers=[1],
                    status="approved",
                    approved_at=starts_at + dt.timedelta(days=1),
                )
        if c == 0:
            world.admin_user_id = staff["admin"][0].user_id
            world.therapist_user_id = staff["therapist"][0].user_id
            world.patient_id = patients[0]
        for copier in copiers.values():
            copier.flush()

    ids.reset_sequences()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM practice_session WHERE patient_id = %s AND kind = 'dosing' "
            "AND status = 'completed' ORDER BY starts_at DESC LIMIT 1",
            [world.patient_id],
        )
        world.session_id = cursor.fetchone()[0]
        cursor.execute("ANALYZE")
    world.counts = {model._meta.label: copier.count for model, copier in copiers.items()} | {
        "practice.Clinic": clinics
    }
    world.seconds = time.perf_counter() - started
    return world
