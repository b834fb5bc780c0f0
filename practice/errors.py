from rest_framework import status

from backend.errors import DomainError, InvalidInput

__all__ = [
    "AlertAlreadyAcknowledged",
    "AlreadyOnCareTeam",
    "ConsentImmutable",
    "ConsentMissing",
    "ConsentRefused",
    "DischargeRefused",
    "DocumentAlreadyReviewed",
    "DocumentRefused",
    "DocumentTooLarge",
    "DocumentWithdrawn",
    "DomainError",
    "DosingGateRefused",
    "DosingNotAllowed",
    "DosingOnHold",
    "InvalidInput",
    "NotInClinic",
    "PlanTransitionRefused",
    "RiskAssessmentRefused",
    "RiskAssessmentRequired",
    "SafetyPlanRefused",
    "ScreeningRefused",
    "SessionRefused",
    "SessionTransitionRefused",
]


class NotInClinic(InvalidInput):
    code = "not_in_clinic"


class AlreadyOnCareTeam(DomainError):
    code = "already_on_care_team"


class RoleNotAllowed(DomainError):
    """The person's role may not do this (e.g. only medical staff record a dose)."""

    code = "role_not_allowed"
    status_code = status.HTTP_403_FORBIDDEN


class DosingNotAllowed(RoleNotAllowed):
    code = "dosing_medical_only"


class ScreeningRefused(DomainError):
    code = "screening_refused"


class PlanTransitionRefused(DomainError):
    code = "plan_transition_refused"


class SessionRefused(DomainError):
    """A session cannot be created as asked (wrong clinic, no active plan, not cleared...)."""

    code = "session_refused"


class SessionTransitionRefused(DomainError):
    code = "session_transition_refused"


class DosingGateRefused(DomainError):
    """The pre-dose safety gate refused; `extra["reasons"]` lists every failed check."""

    code = "dosing_gate_refused"


class DosingRecordRefused(DomainError):
    code = "dosing_record_refused"


class DischargeRefused(DosingRecordRefused):
    """The patient may not leave yet; `extra["reasons"]` lists every reason."""

    code = "discharge_refused"


class MeasureRefused(InvalidInput):
    code = "measure_invalid"


class AlertAlreadyAcknowledged(DomainError):
    code = "alert_already_acknowledged"


class RiskAssessmentRequired(DomainError):
    """A suicidality alert is closed by recording a risk assessment, not by a note."""

    code = "risk_assessment_required"


class RiskAssessmentRefused(InvalidInput):
    code = "risk_assessment_invalid"


class SafetyPlanRefused(InvalidInput):
    code = "safety_plan_invalid"


class DosingOnHold(SessionTransitionRefused):
    """A dosing session cannot start while suicide risk holds dosing (see
    `practice.selectors.risk_hold_reasons`); `extra["reasons"]` lists why."""

    code = "dosing_on_hold"


class ConsentRefused(DomainError):
    """A consent cannot be signed, countersigned or revoked as asked (409), e.g. already
    revoked, no countersignature asked for."""

    code = "consent_refused"


class ConsentInvalid(InvalidInput):
    """Input that can never make a signature (400): no drawing, no name, not a PNG."""

    code = "consent_invalid"


class ConsentTemplateRefused(InvalidInput):
    code = "consent_template_invalid"


class ConsentImmutable(DomainError):
    """A signed consent never changes except its countersignature and revocation."""

    code = "consent_immutable"


class ConsentMissing(SessionRefused):
    """A dosing (or telehealth) session without the patient's current signed consents, at
    booking or check-in; `extra["reasons"]` is `["consent"]`, `extra["missing"]` the kinds."""

    code = "consent_missing"


class DocumentRefused(InvalidInput):
    """An upload that cannot be stored as given (a file type not accepted, an empty file,
    a date in the future); nothing was stored."""

    code = "document_refused"


class DocumentTooLarge(DocumentRefused):
    code = "document_too_large"
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class DocumentAlreadyReviewed(DomainError):
    code = "document_already_reviewed"


class DocumentWithdrawn(DomainError):
    code = "document_withdrawn"


class SignatureRefused(InvalidInput):
    """A provider's signature that cannot be stored as given (nothing drawn, not a PNG or
    JPEG image, too large); the current signature is unchanged."""

    code = "signature_refused"
