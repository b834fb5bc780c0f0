"""The SPRAVATO REMS patient monitoring form of one esketamine session, as PDF and CSV.

An outpatient healthcare setting certified in the REMS completes a patient monitoring
form after every esketamine treatment session and submits it to the REMS (online or by
fax) within 7 days. This module fills in what the record holds, from one list of fields
(`rems_form_fields`), so the PDF and the CSV cannot disagree. What the form asks
(its public outpatient version, revision 11/2021, as transcribed since), and where each
answer comes from here:

- Patient: first and last name, date of birth, sex; whether this is the patient's first
  treatment session and, if so, that they are enrolled in the REMS (`Patient.
  rems_patient_id`, optional, recorded when the REMS enrols the patient).
- Concomitant medication that may cause sedation or blood-pressure changes
  (benzodiazepines, non-benzodiazepine sedative hypnotics, psychostimulants, MAOIs: yes or
  no each): not kept as structured data here; the newest screening's medication list is
  printed for the clinician to answer from.
- Healthcare provider conducting the monitoring (name, telephone, email): the staff member
  who discharged the patient (else who gave the dose), the clinic's telephone.
- Healthcare setting: name and address (`Clinic`), and the REMS healthcare setting ID
  (`Clinic.rems_setting_id`, optional).
- Treatment session: the date (clinic time), the dose administered (56 mg, 84 mg — the
  only doses the gate allows), the lot number; the treatment duration in minutes from
  the first device to the end of monitoring (dose to discharge), and whether the patient
  was monitored for at least 2 hours.
- The REMS evaluation question: without the two-hour minimum, when would the patient have
  been ready to leave (minutes from the dose; `DosingRecord.ready_after_minutes`).
- Vital signs in an acceptable range before the dose (the pre-dose gate passed) and
  before the end of the session (the discharge rules passed); blood pressure before the
  dose, at about 40 minutes after it (the first reading in the clinic's window) and
  before the end of the session (the last reading).
- Whether the patient experienced sedation (`DosingRecord.sedation` other than none) and
  dissociation (a dissociation score above 0); the lowest SpO2 after the dose, from which
  the clinician answers the question on respiratory depression. Onset and resolution
  times are not recorded separately.
- Adverse events during the session (`AdverseEvent`), and whether any was severe (the
  form asks about serious ones: hospitalisation, death).
- The prescriber's name and a signature line.

Who may read it: the clinic's admins and medical staff who can see the session
(`rems_form_record`); opening it is an audited access. Patients and therapists are refused.
"""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from backend.audit import audit_access
from backend.pdf import render_pdf
from backend.roles import ADMIN, MEDICAL, actor_for
from practice import esketamine
from practice.choices import AdverseEventSeverity, Sedation, StaffRole
from practice.models import DosingRecord, Screening
from practice.selectors import clinical_settings_for, session_list
from practice.services.esketamine import esketamine_bp_check

READER_ROLES = frozenset({ADMIN, MEDICAL})


@dataclass(frozen=True)
class Field:
    key: str  # the CSV column
    label: str  # the PDF's wording
    value: str


def rems_form_record(*, user, session_id) -> DosingRecord:
    """The esketamine dose of session `session_id` whose monitoring form `user` may read,
    recorded as an audited access.

    Refuses (PermissionDenied, 403) anyone but the clinic's admins and medical staff;
    answers Http404 for a session they cannot see (another clinic's, or, for medical
    staff, a patient off their care team), one without a dose, or one whose dose is not
    esketamine (no REMS form exists for it).
    """
    actor = actor_for(user)
    if actor is None or actor.role not in READER_ROLES:
        raise PermissionDenied("Only the clinic's admins and medical staff read REMS forms.")
    try:
        session_id = int(session_id)
    except (TypeError, ValueError) as exc:
        raise Http404("No such session.") from exc
    session = session_list(user=user).filter(pk=session_id).first()
    record = getattr(session, "dosing", None) if session is not None else None
    if record is None or not record.is_esketamine:
        raise Http404("No esketamine dose is recorded for this session.")
    record = (
        DosingRecord.objects.select_related(
            "session__clinic",
            "session__patient",
            "session__clinician__user",
            "administered_by__user",
            "discharged_by__user",
        )
        .prefetch_related("vitals", "adverse_events")
        .get(pk=record.pk)
    )
    audit_access(record)
    return record


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


def _bp(reading) -> str:
    return f"{reading.systolic}/{reading.diastolic}" if reading is not None else ""


def rems_form_fields(record: DosingRecord) -> list[tuple[str, list[Field]]]:
    """The form's sections and fields for `record`, values as the form wants them (dates
    MM/DD/YYYY and times in the clinic's zone). Blank where the record has no answer yet."""
    session, clinic, patient = record.session, record.session.clinic, record.session.patient
    zone = clinic.zone
    given = record.administered_at or record.created_at

    def local(moment, fmt="%H:%M"):
        return timezone.localtime(moment, zone).strftime(fmt) if moment else ""

    settings = clinical_settings_for(clinic.pk)
    vitals = sorted(record.vitals.all(), key=lambda v: (v.taken_at, v.pk))
    after = [v for v in vitals if v.taken_at >= given]
    at_40, _, _ = esketamine_bp_check(record, settings)
    last = after[-1] if after else None
    earlier_doses = (
        DosingRecord.objects.filter(
            session__patient=patient, route__in=esketamine.ESKETAMINE_ROUTES
        )
        .exclude(pk=record.pk)
        .filter(administered_at__lt=given)
        .exists()
    )
    screening = (
        Screening.objects.filter(
            patient=patient, screened_on__lte=timezone.localtime(given, zone).date()
        )
        .order_by("-screened_on", "-id")
        .first()
    )
    monitor = record.discharged_by or record.administered_by
    clinician = session.clinician
    prescriber = clinician if clinician.role == StaffRole.MEDICAL else record.administered_by
    minutes = _minutes(record.discharged_at - given) if record.discharged_at else None
    events = list(record.adverse_events.all())
    devices = esketamine.DOSES_MG.get(record.dose_mg)
    sedation = record.sedation or None
    return [
        (
            "Patient",
            [
                Field("patient_first_name", "First name", patient.legal_first_name),
                Field("patient_last_name", "Last name", patient.legal_last_name),
                Field(
                    "patient_date_of_birth", "Birthdate", patient.date_of_birth.strftime("%m/%d/%Y")
                ),
                Field("patient_sex", "Sex", patient.get_sex_display()),
                Field("rems_patient_id", "REMS patient ID", patient.rems_patient_id),
                Field(
                    "first_treatment_session",
                    "First treatment session",
                    _yes_no(not earlier_doses),
                ),
                Field(
                    "medications_on_record",
                    "Medications on record (answer the form's concomitant medication "
                    "questions from these)",
                    screening.medications if screening else "",
                ),
            ],
        ),
        (
            "Healthcare setting",
            [
                Field("setting_name", "Healthcare setting name", clinic.name),
                Field("setting_address_1", "Address 1", clinic.address_line1),
                Field("setting_address_2", "Address 2", clinic.address_line2),
                Field("setting_city", "City", clinic.city),
                Field("setting_state", "State", clinic.state),
                Field("setting_zip", "ZIP", clinic.postal_code),
                Field("setting_phone", "Telephone", str(clinic.phone or "")),
                Field("rems_setting_id", "REMS healthcare setting ID", clinic.rems_setting_id),
                Field(
                    "monitoring_provider",
                    "Healthcare provider conducting patient monitoring",
                    monitor.display_name,
                ),
                Field("monitoring_provider_email", "Provider email", monitor.user.email),
            ],
        ),
        (
            "Treatment session",
            [
                Field("treatment_date", "Treatment date", local(given, "%m/%d/%Y")),
                Field("dose_mg", "Dose administered (mg)", f"{record.dose_mg.normalize():f}"),
                Field("devices", "Nasal spray devices (28 mg each)", str(devices or "")),
                Field("lot_number", "Lot number", record.lot_number),
                Field("administered_at", "First device administered at", local(given)),
                Field(
                    "monitoring_ended_at", "Monitoring completed at", local(record.discharged_at)
                ),
                Field(
                    "total_minutes",
                    "Total time (minutes, first device to completion of monitoring)",
                    "" if minutes is None else str(minutes),
                ),
                Field(
                    "monitored_at_least_2_hours",
                    "Patient monitored for at least 2 hours",
                    _yes_no(None if minutes is None else minutes >= esketamine.MIN_OBSERVE_MINUTES),
                ),
                Field(
                    "ready_after_minutes",
                    "Without the 2-hour minimum, ready to leave after (minutes from the "
                    "start of administration)",
                    "" if record.ready_after_minutes is None else str(record.ready_after_minutes),
                ),
                Field(
                    "ready_per_clinical_judgement",
                    "Clinically stable and ready to leave, per clinical judgement",
                    _yes_no(record.discharge_ready_per_clinical_judgement)
                    if record.discharged_at
                    else "",
                ),
                Field(
                    "discharged_by",
                    "Discharged by",
                    record.discharged_by.display_name if record.discharged_by else "",
                ),
            ],
        ),
        (
            "Vital signs and blood pressure (mmHg)",
            [
                Field(
                    "vitals_acceptable_before_dose",
                    "Vital signs in acceptable range before administration",
                    "Yes",  # the pre-dose gate let the dose through
                ),
                Field(
                    "vitals_acceptable_before_completion",
                    "Vital signs in acceptable range before the end of the session",
                    "Yes" if record.discharged_at else "",
                ),
                Field(
                    "bp_before_dose",
                    "Blood pressure before administration",
                    f"{record.predose_systolic}/{record.predose_diastolic}",
                ),
                Field("bp_40_minutes", "Blood pressure about 40 minutes after", _bp(at_40)),
                Field(
                    "bp_40_minutes_at",
                    "…taken at",
                    f"{local(at_40.taken_at)} ({_minutes(at_40.taken_at - given)} min)"
                    if at_40
                    else "",
                ),
                Field(
                    "bp_before_discharge",
                    "Blood pressure before the end of the session",
                    _bp(last) if record.discharged_at else "",
                ),
                Field(
                    "bp_before_discharge_at",
                    "…taken at",
                    local(last.taken_at) if record.discharged_at and last else "",
                ),
                Field(
                    "lowest_spo2",
                    "Lowest SpO2 after the dose (%)",
                    str(min(v.spo2 for v in after)) if after else "",
                ),
            ],
        ),
        (
            "Sedation, dissociation and adverse events",
            [
                Field(
                    "sedation",
                    "Did the patient experience sedation",
                    _yes_no(None if sedation is None else sedation != Sedation.NONE),
                ),
                Field(
                    "sedation_level",
                    "Deepest sedation",
                    Sedation(sedation).label if sedation else "",
                ),
                Field(
                    "dissociation",
                    "Did the patient experience dissociation",
                    _yes_no(
                        None if record.dissociation_score is None else record.dissociation_score > 0
                    ),
                ),
                Field(
                    "dissociation_score",
                    "Peak dissociation (0–10)",
                    "" if record.dissociation_score is None else str(record.dissociation_score),
                ),
                Field(
                    "adverse_events",
                    "Adverse events",
                    "; ".join(
                        f"{e.get_kind_display()} ({e.get_severity_display().lower()}, "
                        f"{local(e.occurred_at)})"
                        + (f": {e.description}" if e.description else "")
                        + (f"; {e.action_taken}" if e.action_taken else "")
                        for e in events
                    )
                    or "None recorded",
                ),
                Field(
                    "severe_adverse_event",
                    "Any severe adverse event (report hospitalisation or death to the REMS)",
                    _yes_no(any(e.severity == AdverseEventSeverity.SEVERE for e in events)),
                ),
            ],
        ),
        (
            "Prescriber",
            [
                Field("prescriber_name", "Prescriber", prescriber.display_name),
                Field("prescriber_npi", "Prescriber NPI", prescriber.npi),
            ],
        ),
    ]


def rems_form_context(record: DosingRecord) -> dict:
    clinic = record.session.clinic
    return {
        "title": "SPRAVATO® REMS patient monitoring form",
        "record": record,
        "clinic": clinic,
        "sections": rems_form_fields(record),
        "complete": record.discharged_at is not None,
        "generated_at": timezone.localtime(timezone.now(), clinic.zone),
    }


def rems_form_pdf(record: DosingRecord) -> bytes:
    return render_pdf("practice/pdf/rems_monitoring_form.html", rems_form_context(record))


def rems_form_csv(record: DosingRecord) -> str:
    """One header row of field keys and one row of answers."""
    fields = [field for _, section in rems_form_fields(record) for field in section]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([field.key for field in fields])
    writer.writerow([field.value for field in fields])
    return out.getvalue()


def rems_form_filename(record: DosingRecord, extension: str) -> str:
    """No patient identifier in a file name (it travels in URLs, mail and logs)."""
    day = timezone.localtime(
        record.administered_at or record.created_at, record.session.clinic.zone
    ).date()
    return f"rems-monitoring-session-{record.session_id}-{day:%Y-%m-%d}.{extension}"
