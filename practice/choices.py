from django.db import models


class StaffRole(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    THERAPIST = "therapist", "Therapist"
    MEDICAL = "medical", "Medical staff"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other / non-binary"
    UNKNOWN = "U", "Unknown"


class SessionKind(models.TextChoices):
    PREPARATION = "preparation", "Preparation"
    DOSING = "dosing", "Dosing"
    INTEGRATION = "integration", "Integration"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class Route(models.TextChoices):
    INTRAMUSCULAR = "im", "Intramuscular (IM)"
    ORAL = "oral", "Oral lozenge / troche"
    INTRAVENOUS = "iv", "Intravenous (IV)"
    INTRANASAL = "in", "Intranasal"
    SUBCUTANEOUS = "sc", "Subcutaneous (SC)"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active (induction)"
    MAINTENANCE = "maintenance", "Maintenance"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"
