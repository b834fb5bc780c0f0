from backend.errors import DomainError, InvalidInput

__all__ = ["AlreadyOnCareTeam", "DomainError", "InvalidInput", "NotInClinic"]


class NotInClinic(InvalidInput):
    code = "not_in_clinic"


class AlreadyOnCareTeam(DomainError):
    code = "already_on_care_team"
