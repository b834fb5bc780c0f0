"""factory_boy factories for the whole suite. Fictional people only."""

import datetime
import hashlib
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from practice.choices import Route, SessionKind, StaffRole
from practice.models import (
    CareTeam,
    Clinic,
    Diagnosis,
    DosingRecord,
    Patient,
    Room,
    Session,
    StaffMember,
    TreatmentPlan,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clearwater Ketamine Clinic {n}")
    address_line1 = "1450 Pearl Street, Suite 200"
    city = "Boulder"
    state = "CO"
    postal_code = "80302"
    phone = "+13035550142"
    timezone = "America/Denver"
    npi = "1000000020"
    tax_id = "84-1234567"
    submitter_id = "KAPCLINIC"
    place_of_service = "11"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = StaffRole.THERAPIST
    credentials = "LCSW"
    npi = "1234567893"
    license_number = factory.Sequence(lambda n: f"LIC-{n:05d}")
    license_state = "CO"

    @factory.post_generation
    def signature(self, create, extracted, **kwargs):
        """A provider with an NPI has a signature on file (a superbill needs it); pass
        `signature=False` for one without."""
        if create and self.npi and extracted is not False:
            signature_on_file(self)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    legal_first_name = factory.Faker("first_name")
    legal_last_name = factory.Faker("last_name")
    date_of_birth = datetime.date(1986, 4, 12)
    sex = "F"
    phone = "+13035550177"
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    address_line1 = "22 Mapleton Avenue"
    city = "Boulder"
    state = "CO"
    postal_code = "80304"
    insurance_payer = "Aetna"
    insurance_member_id = factory.Sequence(lambda n: f"W{100000000 + n}")
    insurance_group_number = "GRP-4471"
    escort_name = "Sam Rivera"
    escort_phone = "+13035550190"


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeam

    patient = factory.SubFactory(PatientFactory)
    staff = factory.SubFactory(StaffFactory, clinic=factory.SelfAttribute("..patient.clinic"))


class DiagnosisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Diagnosis

    patient = factory.SubFactory(PatientFactory)
    code = "F41.1"
    description = "Generalized anxiety disorder"
    rank = factory.Sequence(lambda n: (n % 12) + 1)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 1
    dosing_capable = True


class TreatmentPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentPlan

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    route = Route.INTRAMUSCULAR
    starting_dose_mg_per_kg = Decimal("0.50")
    status = "active"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    clinician = factory.SubFactory(StaffFactory, clinic=factory.SelfAttribute("..patient.clinic"))
    kind = SessionKind.INTEGRATION
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    )
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + datetime.timedelta(minutes=60))


class DosingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DosingRecord

    session = factory.SubFactory(SessionFactory, kind=SessionKind.DOSING)
    route = Route.INTRAMUSCULAR
    dose_mg = Decimal("35.00")
    weight_kg = Decimal("70.0")
    administered_by = factory.SubFactory(
        StaffFactory,
        clinic=factory.SelfAttribute("..session.clinic"),
        role=StaffRole.MEDICAL,
        credentials="MD",
    )


# --- integration_notes ---------------------------------------------------------------------


def note_template(clinic, key="kap-integration"):
    """The clinic's current version of a built-in template (installing them if needed)."""
    from integration_notes import services
    from integration_notes.models import NoteTemplate

    services.note_templates_install(clinic=clinic)
    return NoteTemplate.objects.get(clinic=clinic, key=key, is_current=True)


INTEGRATION_CONTENT = {
    "experience": "I floated above the lake and saw my father's house from far away.",
    "insights": "The anger is old; it belongs to a younger me.",
    "emotions": "Grief, then relief.",
    "body": "Warmth in the chest.",
    "practices": "Morning walk without the phone; journal the dream images.",
    "risk_level": "No current risk",
    "risk_notes": "Denies ideation; strong support from partner.",
    "next_plan": "Revisit the father imagery; check sleep.",
}


def signed_note(session, content=None, key="kap-integration"):
    """A note for `session`, written and signed by its clinician."""
    from integration_notes import services

    note = services.note_start(
        session=session,
        author=session.clinician,
        template=note_template(session.clinic, key),
        content=content or INTEGRATION_CONTENT,
    )
    return services.note_sign(note=note, signer=session.clinician)


# ---------------------------------------------------------------- billing


def completed_session(
    *, patient, clinician, starts_at, minutes: int, kind=SessionKind.INTEGRATION, plan=None
):
    """A session that took place and was completed, lasting `minutes` (check-in to end)."""
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    return SessionFactory(
        patient=patient,
        plan=plan,
        clinician=clinician,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        status="completed",
        checked_in_at=starts_at,
        completed_at=ends_at,
    )


# --- scheduling -------------------------------------------------------------------------


def working_hours_every_day(staff, start=datetime.time(8), end=datetime.time(18)):
    """Give `staff` the same hours on all seven weekdays (clinic-local wall-clock)."""
    from scheduling.models import WorkingHours

    return [
        WorkingHours.objects.create(
            clinic_id=staff.clinic_id, clinician=staff, weekday=d, start_time=start, end_time=end
        )
        for d in range(7)
    ]


class RetreatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scheduling.Retreat"

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Five-day intensive {n}")
    starts_on = datetime.date(2027, 3, 1)
    ends_on = datetime.date(2027, 3, 5)
    location = "Clearwater retreat house"
    capacity = 8
    price = Decimal("4800.00")


# --- Controlled-substance ledger (controlled) ---

from controlled.models import Product, Registration  # noqa: E402

CLINIC_DEA_NUMBER = "FC7654329"
SUPPLIER_DEA_NUMBER = "RM2233447"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    clinic = factory.SubFactory(ClinicFactory)
    registrant_name = factory.SelfAttribute("clinic.name")
    dea_number = CLINIC_DEA_NUMBER
    expires_on = datetime.date(2028, 6, 30)


class ProductFactory(factory.django.DjangoModelFactory):
    """Ketamine 50 mg/mL in a 10 mL vial: 500 mg per container."""

    class Meta:
        model = Product

    clinic = factory.SubFactory(ClinicFactory)
    substance = "Ketamine hydrochloride"
    name = factory.Sequence(lambda n: f"Ketamine 50 mg/mL, 10 mL vial #{n}")
    form = "vial"
    strength_mg = Decimal("50")
    units_per_container = Decimal("10")
    schedule = "III"
    ndc = "42023-0113-10"


def receive_lot(*, product, received_by, containers=1, lot_number=None, expires_on=None, **kw):
    """A lot received through the service, so it has its receipt entry."""
    from controlled.services import lot_receive

    return lot_receive(
        product=product,
        lot_number=lot_number or f"K{_next_lot_number()}",
        expires_on=expires_on or (timezone.localdate() + datetime.timedelta(days=365)),
        supplier_name="Front Range Medical Supply",
        supplier_address="4100 Brighton Blvd, Denver, CO 80216",
        containers_received=containers,
        received_by=received_by,
        **{"supplier_dea_number": SUPPLIER_DEA_NUMBER, "invoice_number": "INV-2026-0142", **kw},
    )


def dose_from_stock(session, *, by, mg="35.00", **record):
    """Record `session`'s dose drawn through the ledger from the clinic's vial lot (made on
    first use: 50 mg/mL, NDC 42023-0113-10), as a real dose is; its J3490 charge line then
    carries the NDC and quantity. `record` sets other fields of the dosing record."""
    from controlled.models import Lot
    from controlled.services import administration_record

    lot = Lot.objects.filter(clinic_id=session.clinic_id, lot_number="K-BILLING").first()
    if lot is None:
        if not Registration.objects.filter(clinic_id=session.clinic_id).exists():
            RegistrationFactory(clinic_id=session.clinic_id)
        lot = receive_lot(
            product=ProductFactory(clinic_id=session.clinic_id),
            received_by=by,
            containers=5,
            lot_number="K-BILLING",
            expires_on=datetime.date(2030, 12, 31),
        )
    dosing = DosingRecordFactory(session=session, administered_by=by, dose_mg=Decimal(mg), **record)
    administration_record(dosing_record=dosing, lot=lot, recorded_by=by)
    return dosing


_lot_numbers = iter(range(1000, 10**6))


def _next_lot_number() -> int:
    return next(_lot_numbers)


# --- clinical core (screening, measures, alerts) ---------------------------------------

from practice.models import MeasureResponse, Screening, VitalSigns  # noqa: E402


class ScreeningFactory(factory.django.DjangoModelFactory):
    """A cleared screening taken today (the clinic's day) and valid for a year."""

    class Meta:
        model = Screening
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    screened_on = factory.LazyAttribute(lambda s: clinic_today(s.patient.clinic))
    screened_by = factory.SubFactory(
        StaffFactory, clinic=factory.SelfAttribute("..patient.clinic"), role=StaffRole.MEDICAL
    )
    baseline_systolic = 122
    baseline_diastolic = 78
    baseline_heart_rate = 72
    weight_kg = Decimal("70.0")
    result = "cleared"
    expires_on = factory.LazyAttribute(lambda s: s.screened_on + datetime.timedelta(days=365))

    @factory.post_generation
    def consented(screening, create, extracted, **kwargs):
        """A cleared patient is ready to dose: they have signed the KAP informed consent and
        the controlled-substance agreement (`consented=False` leaves them unsigned)."""
        if create and extracted is not False and screening.result == "cleared":
            consents_signed(screening.patient)


class VitalSignsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VitalSigns

    dosing_record = factory.SubFactory(DosingRecordFactory)
    taken_at = factory.LazyFunction(timezone.now)
    systolic = 128
    diastolic = 82
    heart_rate = 78
    spo2 = 98
    recorded_by = factory.SelfAttribute("dosing_record.administered_by")


class MeasureResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeasureResponse

    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SelfAttribute("patient.clinic")
    instrument = "gad7"
    answers = factory.LazyFunction(lambda: [2, 2, 2, 2, 1, 1, 1])
    score = factory.LazyAttribute(lambda m: sum(m.answers))
    severity = "moderate"
    answered_at = factory.LazyFunction(timezone.now)
    entered_by = factory.LazyAttribute(lambda m: m.patient.user or UserFactory())


def clinic_today(clinic) -> datetime.date:
    """Today in the clinic's time zone: the day the clinical rules count in (an evening in
    Denver is already tomorrow in UTC)."""
    return clinic.today()


# --- consents --------------------------------------------------------------------------

from practice.choices import DOSING_CONSENT_KINDS, ConsentTemplateStatus  # noqa: E402
from practice.consent_texts import DEFAULT_TEXTS  # noqa: E402
from practice.models import Consent, ConsentTemplate  # noqa: E402


def signature_png(*, drawn: bool = True, size=(300, 100)) -> bytes:
    """A PNG as the signature pad sends it: transparent, with a dark stroke when `drawn`."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if drawn:
        ImageDraw.Draw(image).line(
            [(20, 70), (80, 20), (140, 75), (260, 30)], fill="black", width=4
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def signature_data_url(*, drawn: bool = True) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(signature_png(drawn=drawn)).decode()


def consent_template(clinic, kind, **fields) -> ConsentTemplate:
    """The clinic's published template of `kind` (made, with the default text, if missing)."""
    existing = ConsentTemplate.objects.filter(
        clinic=clinic, kind=kind, status=ConsentTemplateStatus.PUBLISHED
    ).first()
    if existing is not None and not fields:
        return existing
    title, body = DEFAULT_TEXTS[kind]
    latest = ConsentTemplate.objects.filter(clinic=clinic, kind=kind).order_by("-version").first()
    if existing is not None:
        existing.status = ConsentTemplateStatus.RETIRED
        existing.retired_at = timezone.now()
        existing.save(update_fields=["status", "retired_at"])
    values = {
        "title": title,
        "body": body,
        "status": ConsentTemplateStatus.PUBLISHED,
        "published_at": timezone.now(),
        "version": (latest.version + 1) if latest else 1,
    } | fields
    return ConsentTemplate.objects.create(clinic=clinic, kind=kind, **values)


def consents_signed(patient, kinds=DOSING_CONSENT_KINDS, *, at=None) -> list[Consent]:
    """The patient has signed the clinic's published version of each kind (publishing the
    default text where the clinic has none); a kind already current is left as it is."""
    from practice.selectors import consents_missing
    from practice.services.consents import consent_render

    at = at or timezone.now()
    signed = []
    for kind in consents_missing(patient=patient, kinds=kinds):
        template = consent_template(patient.clinic, kind)
        text = consent_render(template=template, patient=patient)
        png = signature_png()
        signer = patient.user or UserFactory()
        signed.append(
            Consent.objects.create(
                clinic=patient.clinic,
                patient=patient,
                template=template,
                kind=kind,
                title=template.title,
                rendered_text=text,
                signed_name=patient.full_name,
                signature_png=png,
                signed_at=at,
                ip_address="203.0.113.7",
                user_agent="factory",
                signed_by_user=signer,
                sha256=Consent.compute_hash(
                    rendered_text=text,
                    signed_name=patient.full_name,
                    signature_png=png,
                    signed_at=at,
                ),
            )
        )
    return signed


def signature_on_file(staff, *, set_by=None):
    """A current provider's signature for `staff` (drawn), as a superbill needs; each staff
    member's drawing has its own width, so their images differ."""
    from django.utils import timezone

    from practice.models import ProviderSignature

    png = signature_png(size=(300 + staff.pk % 97, 100))
    return ProviderSignature.objects.create(
        clinic_id=staff.clinic_id,
        staff_member=staff,
        png=png,
        sha256=hashlib.sha256(png).hexdigest(),
        source=ProviderSignature.Source.DRAWN,
        set_by=set_by or staff.user,
        set_at=timezone.now(),
    )
