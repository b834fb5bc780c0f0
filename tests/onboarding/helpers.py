"""Shared steps of the onboarding tests."""

import datetime

from onboarding import services

ANSWER_NO = "no"


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def invite(people, patient=None, by=None, **kwargs):
    invitation, link = services.invitation_send(
        patient=patient or people.newcomer, by=by or people.admin, **kwargs
    )
    return invitation, token_of(link)


def checklist_answers(clinic, **special):
    """An answer to every active item: "no", except items whose name starts with a key of
    `special` (e.g. Pregnancy="yes")."""
    from onboarding.selectors import intake_checklist

    rows = []
    for item in intake_checklist(clinic_id=clinic.pk):
        answer = next((v for k, v in special.items() if item.name.startswith(k)), ANSWER_NO)
        rows.append({"contraindication": item.pk, "answer": answer, "details": ""})
    return rows


def complete_steps(clinic, **special):
    return {
        "demographics": {"preferred_name": "Nina", "date_of_birth": datetime.date(1990, 5, 1)},
        "contacts": {
            "emergency_contact_name": "Omar Newcomer",
            "emergency_contact_relationship": "Brother",
            "emergency_contact_phone": "+13035550111",
            "escort_name": "Omar Newcomer",
            "escort_phone": "+13035550111",
        },
        "insurance": {
            "insurance_payer": "Aetna",
            "insurance_member_id": "W12345",
            "insured_relationship": "spouse",
            "insured_name": "Lee Newcomer",
            "insured_date_of_birth": datetime.date(1988, 2, 2),
        },
        "medications": {"medications": "Sertraline 50 mg daily", "allergies": "Penicillin"},
        "screening": checklist_answers(clinic, **special),
    }
