"""Inviting a new patient to the portal, and the patient's intake.

The invitation protocol:
- `invitation_send` makes a random token, stores only its SHA-256 digest, revokes the
  patient's earlier open invitations (and cancels their unsent emails) and queues one email
  with the link through messaging's outbox. The link is the credential; it appears in no
  log and no URL other than the email's own.
- `invitation_accept` locks the invitation row (SELECT … FOR UPDATE), so two uses of one
  link race to one winner: the second finds it used. An unknown, expired, used or revoked
  link, or a patient who already has a login, is refused and nothing is created.

The intake saves what the patient enters about themself onto `practice.Patient` and keeps
their screening answers as `IntakeScreeningAnswer` rows: patient-reported, reviewed by
medical staff, never a screening result.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from backend.errors import full_clean_or_refuse
from backend.roles import ADMIN, MEDICAL
from messaging.choices import Channel, MessageKind
from messaging.services.outbox import message_enqueue, messages_cancel
from onboarding.choices import IntakeStatus, IntakeStep, ScreeningAnswer
from onboarding.errors import (
    IntakeIncomplete,
    IntakeLocked,
    IntakeNotSubmitted,
    InvalidInput,
    InvitationRefused,
    InvitationUnusable,
    RoleNotAllowed,
)
from onboarding.models import STEP_FLAGS, IntakeScreeningAnswer, IntakeSubmission, Invitation
from onboarding.selectors import intake_checklist
from practice.choices import InsuredRelationship
from practice.models import CareTeam, Patient, StaffMember

INVITATION_TARGET = "invitation"

# What each step writes on the patient, and which of those it requires.
STEP_FIELDS = {
    IntakeStep.DEMOGRAPHICS: [
        "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth", "sex",
        "phone", "address_line1", "address_line2", "city", "state", "postal_code",
    ],
    IntakeStep.CONTACTS: [
        "emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone",
        "escort_name", "escort_phone",
    ],
    IntakeStep.INSURANCE: [
        "insurance_payer", "insurance_member_id", "insurance_group_number", "insured_name",
        "insured_relationship", "insured_date_of_birth",
    ],
    IntakeStep.MEDICATIONS: ["medications", "allergies"],
}  # fmt: skip
STEP_REQUIRED = {
    IntakeStep.DEMOGRAPHICS: [
        "legal_first_name", "legal_last_name", "date_of_birth", "phone", "address_line1",
        "city", "state", "postal_code",
    ],
    IntakeStep.CONTACTS: [
        "emergency_contact_name", "emergency_contact_phone", "escort_name", "escort_phone",
    ],
    IntakeStep.INSURANCE: [],
    IntakeStep.MEDICATIONS: ["medications", "allergies"],
}  # fmt: skip
REQUIRED_WORDS = {
    "medications": 'List your current medications, or write "none".',
    "allergies": 'List your allergies, or write "none".',
}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("onboarding:invitation-accept", args=[token])


def _require_may_invite(by: StaffMember, patient: Patient) -> None:
    if by.clinic_id != patient.clinic_id or not by.is_active:
        raise InvalidInput("That staff member does not work at this patient's clinic.")
    if by.role != ADMIN and not CareTeam.objects.filter(patient=patient, staff=by).exists():
        raise RoleNotAllowed("Only the clinic's admins or the patient's care team may invite.")


@transaction.atomic
def invitation_send(
    *, patient: Patient, by: StaffMember, email: str = ""
) -> tuple[Invitation, str]:
    """Invite `patient` to the portal by email; returns (invitation, link).

    `email` (optional) replaces the patient's email on file, where the message goes. Locks
    the patient row, so two invitations at once end with one open. Revokes the earlier open
    invitations and cancels their unsent emails. Expires after INTAKE_INVITATION_DAYS.
    Raises RoleNotAllowed, InvitationRefused (already has a login, inactive, no email),
    InvalidInput (a malformed email).
    """
    patient = Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)
    _require_may_invite(by, patient)
    if patient.user_id is not None:
        raise InvitationRefused(
            "This patient already has a portal login; they can sign in or reset their password."
        )
    if not patient.is_active:
        raise InvitationRefused("This patient is inactive; reactivate them before inviting.")
    email = (email or patient.email or "").strip()
    if not email:
        raise InvitationRefused("Add the patient's email address before inviting them.")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(
            "Enter a valid email address.", extra={"fields": {"email": exc.messages}}
        ) from exc
    if email != patient.email:
        patient.email = email
        patient.save(update_fields=["email", "updated_at"])
    now = timezone.now()
    earlier = list(
        Invitation.objects.filter(patient=patient, used_at=None, revoked_at=None).values_list(
            "pk", flat=True
        )
    )
    Invitation.objects.filter(pk__in=earlier).update(revoked_at=now)
    for pk in earlier:
        messages_cancel(target_type=INVITATION_TARGET, target_id=pk, reason="Invited again.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        clinic_id=patient.clinic_id,
        patient=patient,
        email=email,
        token_hash=_digest(token),
        created_by=by,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.INTAKE_INVITATION_DAYS),
    )
    full_clean_or_refuse(invitation)
    invitation.save()
    IntakeSubmission.objects.get_or_create(
        patient=patient, defaults={"clinic_id": patient.clinic_id}
    )
    link = invitation_link(token)
    expires = patient.clinic.local(invitation.expires_at)
    message_enqueue(
        patient=patient,
        kind=MessageKind.PORTAL_INVITATION,
        target_type=INVITATION_TARGET,
        target_id=invitation.pk,
        channels=[Channel.EMAIL],
        context={
            "invitation_url": link,
            "expires_on": f"{expires:%B} {expires.day}, {expires.year}",
        },
    )
    return invitation, link


UNUSABLE = {
    "unknown": "This invitation link is not valid. Ask the clinic to send you a new one.",
    "expired": "This invitation link has expired. Ask the clinic to send you a new one.",
    "used": "This invitation link has already been used. Sign in with your email and password.",
    "revoked": "This invitation link was replaced by a newer one. Use the latest email from "
    "the clinic, or ask for a new link.",
}


def _usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvitationUnusable(UNUSABLE["unknown"], code="invitation_unknown")
    state = invitation.state(timezone.now())
    if state != "open":
        raise InvitationUnusable(UNUSABLE[state], code=f"invitation_{state}")
    if invitation.patient.user_id is not None:
        raise InvitationUnusable(
            "You already have a portal login. Sign in with your email and password.",
            code="invitation_patient_has_login",
        )
    return invitation


def invitation_check(*, token: str) -> Invitation:
    """The open invitation behind `token`, or InvitationUnusable saying why not."""
    found = (
        Invitation.objects.select_related("patient", "clinic")
        .filter(token_hash=_digest(token or ""))
        .first()
    )
    return _usable(found)


@transaction.atomic
def invitation_accept(*, token: str, password: str):
    """Use the invitation: create the patient's portal login with `password` (Django's
    password validators), link it to the patient, mark the invitation used. Returns the
    new user. Locks the invitation and the patient; refuses (InvitationUnusable,
    InvalidInput for a weak password) without creating anything."""
    found = (
        Invitation.objects.select_for_update()
        .filter(token_hash=_digest(token or ""))
        .select_related("patient")
        .first()
    )
    if found is not None:
        # The patient's row too: a second invitation being accepted for them waits here.
        found.patient = Patient.objects.select_for_update().get(pk=found.patient_id)
    invitation = _usable(found)
    patient = invitation.patient
    User = get_user_model()
    username = invitation.email.lower()
    if User.objects.filter(username__iexact=username).exists():
        username = f"patient-{secrets.token_hex(6)}"
    user = User(
        username=username,
        email=invitation.email,
        first_name=patient.preferred_name or patient.legal_first_name,
        last_name=patient.legal_last_name,
    )
    try:
        validate_password(password or "", user=user)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], extra={"fields": {"password": exc.messages}}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return user


def _submission_for_update(patient: Patient) -> IntakeSubmission:
    submission, _ = IntakeSubmission.objects.select_for_update().get_or_create(
        patient=patient, defaults={"clinic_id": patient.clinic_id}
    )
    return submission


def _missing(values: dict, names: list[str]) -> dict[str, list[str]]:
    return {
        name: [REQUIRED_WORDS.get(name, "This field is required.")]
        for name in names
        if values.get(name) in (None, "")
    }


def _insurance_problems(values: dict) -> dict[str, list[str]]:
    if not values.get("insurance_payer"):
        return {}  # self-pay: nothing else is asked
    problems = _missing(values, ["insurance_member_id", "insured_relationship"])
    if values.get("insured_relationship") not in (None, "", InsuredRelationship.SELF):
        problems.update(_missing(values, ["insured_name", "insured_date_of_birth"]))
    return problems


def _save_patient_step(patient: Patient, step: str, data: dict) -> None:
    allowed = STEP_FIELDS[step]
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidInput(f"Not part of this step: {', '.join(unknown)}.")
    values = {name: getattr(patient, name) for name in allowed}
    values.update({k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()})
    if step == IntakeStep.INSURANCE and values.get("insured_relationship") == "self":
        values.update(insured_name="", insured_date_of_birth=None)
    problems = _missing(values, STEP_REQUIRED[step])
    if step == IntakeStep.INSURANCE:
        problems.update(_insurance_problems(values))
    if problems:
        first = next(iter(problems.values()))[0]
        raise InvalidInput(first, extra={"fields": problems})
    for name, value in values.items():
        setattr(patient, name, "" if value is None and name != "insured_date_of_birth" else value)
    full_clean_or_refuse(patient)
    patient.save()


def _save_answers(submission: IntakeSubmission, answers: list[dict]) -> None:
    checklist = {item.pk: item for item in intake_checklist(clinic_id=submission.clinic_id)}
    seen = set()
    for row in answers:
        try:
            item_id = int(row.get("contraindication"))
        except (TypeError, ValueError):
            item_id = None
        if item_id not in checklist:
            raise InvalidInput("A question is not on this clinic's list.")
        if item_id in seen:
            raise InvalidInput("Answer each question once.")
        seen.add(item_id)
        if row.get("answer") not in ScreeningAnswer.values:
            raise InvalidInput(
                "Answer each question with yes, no or not sure.",
                extra={"fields": {f"answer_{item_id}": ["Choose yes, no or not sure."]}},
            )
    missing = [pk for pk in checklist if pk not in seen]
    if missing:
        raise InvalidInput(
            "Answer every question (yes, no or not sure).",
            extra={"fields": {f"answer_{pk}": ["Choose yes, no or not sure."] for pk in missing}},
        )
    for row in answers:
        item = checklist[int(row["contraindication"])]
        answer, _ = IntakeScreeningAnswer.objects.update_or_create(
            submission=submission,
            contraindication=item,
            defaults={
                "question": item.question[:300],
                "answer": row["answer"],
                "details": (row.get("details") or "").strip()[:500],
            },
        )
        full_clean_or_refuse(answer)


@transaction.atomic
def intake_update(*, patient: Patient, steps: dict[str, dict | list]) -> IntakeSubmission:
    """Save one or more steps of the patient's intake and mark them complete.

    `steps`: {step: data}; for the four detail steps a dict of Patient fields (the step's
    required ones must end up filled), for "screening" a list of {"contraindication": id,
    "answer": "yes"|"no"|"not_sure", "details": "..."} covering the clinic's whole active
    checklist. Steps may come in any order and be saved again until submission. Locks the
    intake. Raises IntakeLocked after submission, InvalidInput naming the fields; a refusal
    saves nothing, not even the other steps.
    """
    submission = _submission_for_update(patient)
    if submission.is_locked:
        raise IntakeLocked(
            "Your intake was submitted and the clinic has it. To change anything, write to "
            "or call the clinic."
        )
    unknown = sorted(set(steps) - set(IntakeStep.values))
    if unknown or not steps:
        raise InvalidInput(f"Unknown intake step: {', '.join(unknown) or 'none given'}.")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    for step, data in steps.items():
        if step == IntakeStep.SCREENING:
            if not isinstance(data, list):
                raise InvalidInput("The health questions come as a list of answers.")
            _save_answers(submission, data)
        else:
            if not isinstance(data, dict):
                raise InvalidInput(f"The {step} step's answers come as fields and values.")
            _save_patient_step(patient, step, data)
        setattr(submission, STEP_FLAGS[step], True)
    submission.status = IntakeStatus.IN_PROGRESS
    submission.full_clean()
    submission.save()
    return submission


@transaction.atomic
def intake_submit(*, patient: Patient) -> IntakeSubmission:
    """Hand the completed intake to the clinic. Every step must be complete; afterwards
    nothing in it changes. Raises IntakeIncomplete (naming the steps left), IntakeLocked."""
    submission = _submission_for_update(patient)
    if submission.is_locked:
        raise IntakeLocked("Your intake was already submitted.")
    left = [label for _step, label, done in submission.steps if not done]
    if left:
        raise IntakeIncomplete(
            f"Complete every step before submitting. Still to do: {', '.join(left)}.",
            extra={"steps": [step for step, _label, done in submission.steps if not done]},
        )
    submission.status = IntakeStatus.SUBMITTED
    submission.submitted_at = timezone.now()
    submission.full_clean()
    submission.save()
    return submission


@transaction.atomic
def intake_review(*, submission: IntakeSubmission, by: StaffMember) -> IntakeSubmission:
    """A medical staff member has read a submitted intake: record who and when. It clears
    nobody: whether the patient may be dosed is the medical screening's result alone.
    Locks the intake. Raises RoleNotAllowed, IntakeNotSubmitted."""
    submission = IntakeSubmission.objects.select_for_update().get(pk=submission.pk)
    if by.clinic_id != submission.clinic_id or not by.is_active:
        raise InvalidInput("That staff member does not work at this patient's clinic.")
    if by.role != MEDICAL:
        raise RoleNotAllowed("Only medical staff review an intake's health answers.")
    if submission.status == IntakeStatus.REVIEWED:
        raise IntakeNotSubmitted("This intake was already reviewed.")
    if submission.status != IntakeStatus.SUBMITTED:
        raise IntakeNotSubmitted("The patient has not submitted this intake yet.")
    submission.status = IntakeStatus.REVIEWED
    submission.reviewed_by = by
    submission.reviewed_at = timezone.now()
    submission.full_clean()
    submission.save()
    return submission
