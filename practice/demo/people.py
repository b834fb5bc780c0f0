"""The demo clinic: people, patients, diagnoses and care teams (fictional).

`seed(ctx)` is idempotent: it finds the demo clinic by name and creates only what is
missing. It fills `ctx` (a dict) with what later apps' demo seeds build on.
"""

import datetime

from django.contrib.auth import get_user_model

from practice import services
from practice.models import CareTeam, Clinic, Patient, StaffMember
from practice.services.signatures import provider_signature_set

DEMO_CLINIC = "Clearwater Ketamine Clinic"
DEMO_PASSWORD = "kap-demo-2026"
STREETS = ["Mapleton Ave", "Spruce St", "Arapahoe Ave"]

STAFF = [
    # username, first, last, role, credentials, npi, license
    ("admin", "Morgan", "Hale", "admin", "", "", ""),
    ("therapist", "Avery", "Lindqvist", "therapist", "LCSW", "1234567893", "CSW.09912"),
    ("therapist2", "Jordan", "Okafor", "therapist", "PsyD", "1528069347", "PSY.04417"),
    ("medical", "Priya", "Raman", "medical", "MD", "1000000020", "DR.0061234"),
]

# The insurers' electronic payer IDs (claims go to these).
PAYER_IDS = {
    "Aetna": "60054",
    "Cigna": "62308",
    "Blue Cross Blue Shield of Colorado": "00050",
    "UnitedHealthcare": "87726",
}

PATIENTS = [
    # username (portal) or "", first, last, preferred, dob, sex, payer, member, group, dx, team
    (
        "patient",
        "Eleanor",
        "Whitfield",
        "Ellie",
        datetime.date(1984, 3, 9),
        "F",
        "Aetna",
        "W284419301",
        "GRP-88213",
        ["F41.1", "F43.10"],
        ["therapist", "medical"],
    ),
    (
        "patient2",
        "Marcus",
        "Delgado",
        "",
        datetime.date(1979, 11, 22),
        "M",
        "Cigna",
        "U77102934",
        "CG-1170",
        ["F33.1"],
        ["therapist", "medical"],
    ),
    (
        "",
        "Hannah",
        "Kowalski",
        "",
        datetime.date(1991, 6, 30),
        "F",
        "Blue Cross Blue Shield of Colorado",
        "XEH901233781",
        "BC-55102",
        ["F41.1"],
        ["therapist2", "medical"],
    ),
    (
        "",
        "Theo",
        "Nakamura",
        "",
        datetime.date(1988, 1, 15),
        "M",
        "",
        "",
        "",
        ["F43.10", "F41.1"],
        ["therapist2", "medical"],
    ),
    (
        "",
        "Ruth",
        "Abernathy",
        "Ruthie",
        datetime.date(1967, 9, 4),
        "F",
        "UnitedHealthcare",
        "9482201175",
        "UH-3390",
        ["F32.2"],
        ["therapist", "medical"],
    ),
    (
        "",
        "Samir",
        "Haddad",
        "",
        datetime.date(1995, 2, 27),
        "M",
        "Aetna",
        "W119023847",
        "GRP-1044",
        ["F42.2"],
        ["therapist2"],
    ),
]


def _user(username, first, last):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@clearwater.example",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _signature_drawing(i: int) -> str:
    """A signature as the pad draws it (a PNG data URL), a little different per person."""
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(20, 70), (60 + 10 * i, 20), (130, 75 - 5 * i), (260, 30)], fill="navy", width=4
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def seed(ctx: dict) -> dict:
    clinic, _ = Clinic.objects.get_or_create(
        name=DEMO_CLINIC,
        defaults={
            "address_line1": "1450 Pearl Street, Suite 200",
            "city": "Boulder",
            "state": "CO",
            "postal_code": "80302",
            "phone": "+13035550142",
            "timezone": "America/Denver",
            "npi": "1306849450",
            "tax_id": "84-3021957",
            "submitter_id": "KAPDEMO01",
            "place_of_service": "11",
        },
    )
    staff = {}
    for username, first, last, role, credentials, npi, license_number in STAFF:
        user = _user(username, first, last)
        staff[username], _ = StaffMember.objects.get_or_create(
            user=user,
            defaults={
                "clinic": clinic,
                "role": role,
                "credentials": credentials,
                "npi": npi,
                "license_number": license_number,
                "license_state": "CO" if license_number else "",
            },
        )
    # Every provider with an NPI signs the superbills they render services on: a drawing each.
    for i, member in enumerate(staff.values()):
        if member.npi and not member.signatures.filter(replaced_at__isnull=True).exists():
            provider_signature_set(
                staff_member=member, set_by=member.user, drawn=_signature_drawing(i)
            )
    # A platform operator for the Django admin (back-office configuration): no clinic role,
    # so no patient data through the product's pages or API.
    operator = _user("backoffice", "Back", "Office")
    if not operator.is_superuser:
        operator.is_staff = operator.is_superuser = True
        operator.save(update_fields=["is_staff", "is_superuser"])
    patients = {}
    for username, first, last, preferred, dob, sex, payer, member, group, codes, team in PATIENTS:
        patient = Patient.objects.filter(
            clinic=clinic, legal_first_name=first, legal_last_name=last
        ).first()
        if patient is None:
            patient = services.patient_create(
                clinic=clinic,
                user=_user(username, first, last) if username else None,
                legal_first_name=first,
                legal_last_name=last,
                preferred_name=preferred,
                date_of_birth=dob,
                sex=sex,
                phone="+1303555" + f"{sum(map(ord, last)) % 10000:04d}",
                email=f"{first.lower()}.{last.lower()}@example.com",
                address_line1=f"{100 + len(last) * 37} {STREETS[len(first) % 3]}",
                city="Boulder",
                state="CO",
                postal_code="80304",
                insurance_payer=payer,
                insurance_payer_id=PAYER_IDS.get(payer, ""),
                insurance_member_id=member,
                insurance_group_number=group,
                emergency_contact_name="Jamie " + last,
                emergency_contact_relationship="Spouse",
                emergency_contact_phone="+13035550188",
                escort_name="Jamie " + last,
                escort_phone="+13035550188",
            )
            for code in codes:
                services.diagnosis_add(patient=patient, code=code)
            for i, member_name in enumerate(team):
                CareTeam.objects.get_or_create(
                    patient=patient, staff=staff[member_name], defaults={"is_primary": i == 0}
                )
        patients[first.lower()] = patient
    ctx.update(clinic=clinic, staff=staff, patients=patients, password=DEMO_PASSWORD)
    return ctx
