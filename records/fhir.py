"""The designated record set as a FHIR R4 (R4B) Bundle of type "collection".

Every resource is built with fhir.resources' R4B classes, so building one validates it
(required elements, types, cardinality); the bundle is serialised by the same library.
Entries are linked by `urn:uuid:` full URLs derived from the clinic, the resource type and
the row's id (uuid5): the same row gets the same URL in every export, and no name or other
identifier appears in it. Times are in the clinic's zone, with their offset.

Psychotherapy notes are not read here (nor anywhere in `records`); notes withheld from the
patient are not in the bundle, whoever asks.
"""

import base64
import uuid

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.chargeitem import ChargeItem
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.invoice import Invoice
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.paymentreconciliation import PaymentReconciliation

from records.selectors import DesignatedRecord, _dosing_of

NAMESPACE = uuid.UUID("0b6f4a52-6f7c-4d8e-9b0e-5f1d3c2a7e41")
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NPI = "http://hl7.org/fhir/sid/us-npi"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

GENDER = {"F": "female", "M": "male", "X": "other", "U": "unknown"}
PLAN_STATUS = {
    "draft": "draft",
    "active": "active",
    "maintenance": "active",
    "completed": "completed",
    "discontinued": "revoked",
}
ENCOUNTER_STATUS = {
    "scheduled": "planned",
    "checked_in": "arrived",
    "completed": "finished",
    "cancelled": "cancelled",
    "no_show": "cancelled",
}
# LOINC codes of the questionnaires' total scores.
MEASURE_LOINC = {
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
}
CHANNEL_MODE = {"email": ("EMAILWRIT", "email"), "sms": ("SMSWRIT", "SMS message")}


class _Builder:
    def __init__(self, record: DesignatedRecord):
        self.record = record
        self.clinic = record.clinic
        self.entries: list[dict] = []

    def url(self, kind: str, pk) -> str:
        return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{self.clinic.pk}/{kind}/{pk}')}"

    def ref(self, kind: str, pk, display: str | None = None) -> dict:
        reference = {"reference": self.url(kind, pk)}
        if display:
            reference["display"] = display
        return reference

    def when(self, moment) -> str | None:
        return self.clinic.local(moment).isoformat() if moment else None

    def add(self, kind: str, pk, resource) -> None:
        self.entries.append({"fullUrl": self.url(kind, pk), "resource": resource})

    # ------------------------------------------------------------------ sections

    def organization(self):
        clinic = self.clinic
        data = {"name": clinic.name}
        if clinic.npi:
            data["identifier"] = [{"system": NPI, "value": clinic.npi}]
        if clinic.phone:
            data["telecom"] = [{"system": "phone", "value": str(clinic.phone)}]
        self.add("Organization", clinic.pk, Organization(**data))

    def patient(self):
        p = self.record.patient
        name = {"use": "official", "family": p.legal_last_name, "given": [p.legal_first_name]}
        names = [name]
        if p.preferred_name:
            names.append({"use": "usual", "given": [p.preferred_name]})
        telecom = []
        if p.phone:
            telecom.append({"system": "phone", "value": str(p.phone)})
        if p.email:
            telecom.append({"system": "email", "value": p.email})
        data = {
            "name": names,
            "birthDate": p.date_of_birth.isoformat(),
            "gender": GENDER.get(p.sex, "unknown"),
            "managingOrganization": self.ref("Organization", self.clinic.pk, self.clinic.name),
        }
        if telecom:
            data["telecom"] = telecom
        if p.address_line1 or p.city:
            data["address"] = [
                {
                    "line": [line for line in (p.address_line1, p.address_line2) if line],
                    "city": p.city or None,
                    "state": p.state or None,
                    "postalCode": p.postal_code or None,
                }
            ]
        if p.emergency_contact_name:
            data["contact"] = [
                {
                    "name": {"text": p.emergency_contact_name},
                    "relationship": [{"text": p.emergency_contact_relationship or "Emergency"}],
                }
            ]
        self.add("Patient", p.pk, Patient(**data))

    def conditions(self):
        for d in self.record.diagnoses:
            coding = {"system": ICD10CM, "code": d.code}
            if d.description:
                coding["display"] = d.description
            self.add(
                "Condition",
                d.pk,
                Condition(code={"coding": [coding]}, subject=self.subject(), recordedDate=None),
            )

    def subject(self) -> dict:
        return self.ref("Patient", self.record.patient.pk)

    def care_plans(self):
        for plan in self.record.plans:
            dose = (
                f"{plan.starting_dose_mg_per_kg} mg/kg"
                if plan.starting_dose_mg_per_kg
                else f"{plan.starting_dose_mg} mg"
            )
            description = (
                f"{plan.get_route_display()}, starting dose {dose}; "
                f"induction target {plan.induction_target_sessions} sessions."
            )
            if plan.goals:
                description += f" Goals: {plan.goals}"
            data = {
                "status": PLAN_STATUS.get(plan.status, "unknown"),
                "intent": "plan",
                "title": "Ketamine-assisted psychotherapy",
                "description": description,
                "subject": self.subject(),
                "created": self.when(plan.created_at),
                "addresses": [self.ref("Condition", d.pk) for d in plan.diagnoses.all()] or None,
            }
            if plan.activated_at:
                data["period"] = {
                    "start": self.when(plan.activated_at),
                    "end": self.when(plan.ended_at),
                }
            self.add("CarePlan", plan.pk, CarePlan(**data))

    def encounters(self):
        for session in self.record.sessions:
            data = {
                "status": ENCOUNTER_STATUS.get(session.status, "unknown"),
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "AMB",
                    "display": "ambulatory",
                },
                "type": [{"text": f"{session.get_kind_display()} session"}],
                "subject": self.subject(),
                "period": {
                    "start": self.when(session.starts_at),
                    "end": self.when(session.ends_at),
                },
                "participant": [{"individual": {"display": session.clinician.display_name}}],
                "serviceProvider": self.ref("Organization", self.clinic.pk),
            }
            self.add("Encounter", session.pk, Encounter(**data))
            dosing = _dosing_of(session)
            if dosing is not None:
                self.dosing(session, dosing)

    def dosing(self, session, dosing):
        esketamine = dosing.route == "esketamine_nasal"
        medication = (
            {"text": "Esketamine nasal spray"}
            if esketamine
            else {"coding": [{"system": RXNORM, "code": "6130", "display": "ketamine"}]}
        )
        given_at = dosing.administered_at or session.starts_at
        data = {
            "status": "completed",
            "medicationCodeableConcept": medication,
            "subject": self.subject(),
            "context": self.ref("Encounter", session.pk),
            "effectiveDateTime": self.when(given_at),
            "performer": [{"actor": {"display": dosing.administered_by.display_name}}],
            "dosage": {
                "route": {"text": dosing.get_route_display()},
                "dose": {"value": dosing.dose_mg, "unit": "mg", "system": UCUM, "code": "mg"},
            },
        }
        if dosing.notes:
            data["note"] = [{"text": dosing.notes}]
        self.add("MedicationAdministration", dosing.pk, MedicationAdministration(**data))
        part_of = [self.ref("MedicationAdministration", dosing.pk)]
        if dosing.weight_kg:
            self.vital(
                f"weight-{dosing.pk}",
                session,
                ("29463-7", "Body weight"),
                given_at,
                value={"value": dosing.weight_kg, "unit": "kg", "system": UCUM, "code": "kg"},
                part_of=part_of,
            )
        if dosing.predose_systolic and dosing.predose_diastolic:
            self.blood_pressure(
                f"predose-{dosing.pk}",
                session,
                given_at,
                dosing.predose_systolic,
                dosing.predose_diastolic,
                part_of,
                note="Before the dose",
            )
        for v in dosing.vitals.all():
            self.blood_pressure(f"bp-{v.pk}", session, v.taken_at, v.systolic, v.diastolic, part_of)
            self.vital(
                f"hr-{v.pk}",
                session,
                ("8867-4", "Heart rate"),
                v.taken_at,
                value={"value": v.heart_rate, "unit": "/min", "system": UCUM, "code": "/min"},
                part_of=part_of,
            )
            self.vital(
                f"spo2-{v.pk}",
                session,
                ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
                v.taken_at,
                value={"value": v.spo2, "unit": "%", "system": UCUM, "code": "%"},
                part_of=part_of,
            )
        for event in dosing.adverse_events.all():
            self.add(
                "AdverseEvent",
                event.pk,
                AdverseEvent(
                    actuality="actual",
                    subject=self.subject(),
                    encounter=self.ref("Encounter", session.pk),
                    date=self.when(event.occurred_at),
                    event={"text": f"{event.get_kind_display()}: {event.description}".strip()},
                    severity={
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/"
                                "adverse-event-severity",
                                "code": event.severity,
                            }
                        ]
                    },
                    suspectEntity=[{"instance": self.ref("MedicationAdministration", dosing.pk)}],
                ),
            )

    def _vital_base(self, session, code, at, part_of) -> dict:
        return {
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": code[0], "display": code[1]}]},
            "subject": self.subject(),
            "encounter": self.ref("Encounter", session.pk),
            "effectiveDateTime": self.when(at),
            "partOf": part_of,
        }

    def vital(self, key, session, code, at, *, value, part_of):
        data = self._vital_base(session, code, at, part_of)
        data["valueQuantity"] = value
        self.add("Observation", key, Observation(**data))

    def blood_pressure(self, key, session, at, systolic, diastolic, part_of, note=None):
        data = self._vital_base(session, ("85354-9", "Blood pressure panel"), at, part_of)
        mmhg = {"unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"}
        data["component"] = [
            {
                "code": {"coding": [{"system": LOINC, "code": "8480-6", "display": "Systolic"}]},
                "valueQuantity": {"value": systolic, **mmhg},
            },
            {
                "code": {"coding": [{"system": LOINC, "code": "8462-4", "display": "Diastolic"}]},
                "valueQuantity": {"value": diastolic, **mmhg},
            },
        ]
        if note:
            data["note"] = [{"text": note}]
        self.add("Observation", key, Observation(**data))

    def measures(self):
        for m in self.record.measures:
            loinc = MEASURE_LOINC.get(m.instrument)
            code = {"text": f"{m.get_instrument_display()} total score"}
            if loinc:
                code["coding"] = [{"system": LOINC, "code": loinc[0], "display": loinc[1]}]
            data = {
                "status": "final",
                "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
                "code": code,
                "subject": self.subject(),
                "effectiveDateTime": self.when(m.answered_at),
                "valueInteger": m.score,
                "interpretation": [{"text": m.severity}],
            }
            self.add("Observation", f"measure-{m.pk}", Observation(**data))

    def notes(self):
        for note in self.record.notes:
            text = note_text(note, self.clinic)
            data = {
                "status": "current",
                "docStatus": "final",
                "type": {"text": note.template.name},
                "category": [{"text": "Progress note"}],
                "subject": self.subject(),
                "date": self.when(note.signed_at),
                "author": [{"display": note.author.display_name}],
                "description": f"Signed; SHA-256 of the signed content {note.content_hash}",
                "content": [
                    {
                        "attachment": {
                            "contentType": "text/plain; charset=utf-8",
                            "language": "en",
                            "data": base64.b64encode(text.encode()).decode(),
                            "title": f"{note.template.name}, {note.session.starts_at:%Y-%m-%d}",
                        }
                    }
                ],
                "context": {"encounter": [self.ref("Encounter", note.session_id)]},
            }
            self.add("DocumentReference", f"note-{note.pk}", DocumentReference(**data))

    def billing(self):
        for charge in self.record.charges:
            data = {
                "status": "billable",
                "code": {
                    "coding": [{"system": CPT, "code": charge.code, "display": charge.description}]
                },
                "subject": self.subject(),
                "occurrenceDateTime": charge.date_of_service.isoformat(),
                "quantity": {"value": charge.units},
                "priceOverride": {"value": charge.amount, "currency": "USD"},
                "performer": [{"actor": {"display": charge.rendering_provider.display_name}}],
            }
            if charge.session_id:
                data["context"] = self.ref("Encounter", charge.session_id)
            self.add("ChargeItem", charge.pk, ChargeItem(**data))
        for sb in self.record.superbills:
            data = {
                "status": "cancelled" if sb.is_void else "issued",
                "identifier": [{"value": sb.number}],
                "type": {"text": "Superbill"},
                "subject": self.subject(),
                "date": self.when(sb.issued_at),
                "issuer": self.ref("Organization", self.clinic.pk),
                "totalGross": {"value": sb.total_charged, "currency": "USD"},
                "totalNet": {"value": sb.balance, "currency": "USD"},
                "note": [
                    {
                        "text": f"Services {sb.period_start:%Y-%m-%d} to {sb.period_end:%Y-%m-%d};"
                        f" paid {sb.total_paid} USD."
                    }
                ],
            }
            if sb.is_void and sb.void_reason:
                data["cancelledReason"] = sb.void_reason
            self.add("Invoice", sb.pk, Invoice(**data))
        for payment in self.record.payments:
            data = {
                "status": "active",
                "created": self.when(payment.created_at),
                "paymentDate": payment.received_on.isoformat(),
                "paymentAmount": {"value": payment.amount, "currency": "USD"},
                "disposition": payment.get_method_display(),
                "paymentIssuer": self.subject(),
                "requestor": self.ref("Organization", self.clinic.pk),
            }
            self.add("PaymentReconciliation", payment.pk, PaymentReconciliation(**data))

    def messages(self):
        for message in self.record.messages:
            mode = CHANNEL_MODE.get(message.channel)
            data = {
                "status": "completed",
                "subject": self.subject(),
                "recipient": [self.subject()],
                "sender": self.ref("Organization", self.clinic.pk),
                "sent": self.when(message.sent_at),
                "topic": {"text": message.subject or message.get_kind_display()},
                "payload": [{"contentString": message.body_text or message.subject or "-"}],
            }
            if mode:
                data["medium"] = [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/"
                                "v3-ParticipationMode",
                                "code": mode[0],
                                "display": mode[1],
                            }
                        ]
                    }
                ]
            self.add("Communication", message.pk, Communication(**data))
        messaging = self.record.messaging
        if messaging is not None and messaging.sms_consent_at:
            self.add(
                "Consent",
                f"sms-{messaging.pk}",
                Consent(
                    status="active",
                    scope={
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                "code": "patient-privacy",
                            }
                        ]
                    },
                    category=[{"coding": [{"system": LOINC, "code": "59284-0"}]}],
                    patient=self.subject(),
                    dateTime=self.when(messaging.sms_consent_at),
                    policyRule={"text": "Text messages from the clinic"},
                ),
            )

    def secure_messages(self):
        """Each secure message as a Communication: the patient's to their care team, the
        care team's (the staff member named) to the patient; each answers the one before
        it in its thread (`inResponseTo`)."""
        previous = {}
        for message in self.record.secure_messages:
            thread = message.thread
            care_team = {"display": f"Care team, {self.clinic.name}"}
            if message.from_patient:
                sender, recipient = self.subject(), care_team
            else:
                sender = {"display": message.author_staff.display_name}
                recipient = self.subject()
            data = {
                "status": "completed",
                "category": [{"text": "Secure message"}],
                "subject": self.subject(),
                "sender": sender,
                "recipient": [recipient],
                "sent": self.when(message.sent_at),
                "topic": {"text": thread.subject},
                "payload": [{"contentString": message.body}],
            }
            if thread.pk in previous:
                data["inResponseTo"] = [self.ref("SecureMessage", previous[thread.pk])]
            previous[thread.pk] = message.pk
            self.add("SecureMessage", message.pk, Communication(**data))

    def bundle(self) -> Bundle:
        self.organization()
        self.patient()
        self.conditions()
        self.care_plans()
        self.encounters()
        self.measures()
        self.notes()
        self.billing()
        self.messages()
        self.secure_messages()
        return Bundle(
            type="collection",
            timestamp=self.when(self.record.produced_at),
            identifier={
                "system": "urn:ietf:rfc:3986",
                "value": f"urn:uuid:{uuid.uuid4()}",
            },
            entry=self.entries,
        )


def note_text(note, clinic) -> str:
    """A signed note as plain text: its fields in template order, then its addenda."""
    lines = [
        f"{note.template.name}",
        f"Session: {clinic.local(note.session.starts_at):%Y-%m-%d %H:%M %Z}",
        f"Signed by {note.signed_by.display_name} on "
        f"{clinic.local(note.signed_at):%Y-%m-%d %H:%M %Z}",
        "",
    ]
    for spec in note.template.fields:
        value = note.content.get(spec["key"])
        if value in (None, ""):
            continue
        if value is True:
            value = "Yes"
        elif value is False:
            value = "No"
        lines += [f"{spec['label']}:", f"{value}", ""]
    for addendum in note.addenda.all():
        lines += [
            f"Addendum by {addendum.author.display_name} on "
            f"{clinic.local(addendum.signed_at):%Y-%m-%d %H:%M %Z}:",
            addendum.text,
            "",
        ]
    return "\n".join(lines).strip() + "\n"


def record_bundle(record: DesignatedRecord) -> Bundle:
    """The record as a validated FHIR R4B Bundle (type "collection")."""
    return _Builder(record).bundle()
