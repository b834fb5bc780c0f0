from backend.errors import DomainError, InvalidInput

__all__ = [
    "DomainError",
    "IntakeIncomplete",
    "IntakeLocked",
    "IntakeNotSubmitted",
    "InvalidInput",
    "InvitationRefused",
    "InvitationUnusable",
    "RoleNotAllowed",
]


class InvitationRefused(DomainError):
    """The clinic cannot invite this patient (already has a login, no email, ...)."""

    code = "invitation_refused"


class InvitationUnusable(DomainError):
    """An invitation link that cannot be used: unknown, expired, used or revoked."""

    code = "invitation_unusable"


class IntakeLocked(DomainError):
    """A submitted intake no longer changes: the patient writes to the clinic instead."""

    code = "intake_locked"


class IntakeIncomplete(InvalidInput):
    code = "intake_incomplete"


class IntakeNotSubmitted(DomainError):
    code = "intake_not_submitted"


class RoleNotAllowed(DomainError):
    code = "role_not_allowed"
    status_code = 403
