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


class SessionModality(models.TextChoices):
    """Where the session happens: in the clinic, or by video (never a dose)."""

    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"


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
    # Not ketamine: esketamine, the S-enantiomer, as its own product under the Spravato
    # REMS (fixed doses, at least two hours' monitoring; see practice/esketamine.py).
    ESKETAMINE_NASAL = "esketamine_nasal", "Esketamine nasal spray (Spravato)"


class Sedation(models.TextChoices):
    """The deepest sedation seen after the dose, as the clinician judged it. The esketamine
    label measured it on the Modified Observer's Assessment of Alertness/Sedation scale
    (MOAA/S, 5 awake to 0 unresponsive); these four words are what a clinic records at the
    bedside and what the REMS monitoring form asks (was the patient sedated: yes or no)."""

    NONE = "none", "None (awake and alert)"
    MILD = "mild", "Mild (drowsy, answers to a normal voice)"
    MODERATE = "moderate", "Moderate (answers only to a loud voice or a touch)"
    SEVERE = "severe", "Severe (answers only to a painful stimulus, or not at all)"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active (induction)"
    MAINTENANCE = "maintenance", "Maintenance"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"


class InsuredRelationship(models.TextChoices):
    """The patient's relationship to the insurance policy's holder."""

    SELF = "self", "Self"
    SPOUSE = "spouse", "Spouse or partner"
    CHILD = "child", "Child"
    OTHER = "other", "Other"


class ContraindicationSeverity(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute (rules treatment out)"
    RELATIVE = "relative", "Relative (needs a medical sign-off)"


class ScreeningResult(models.TextChoices):
    CLEARED = "cleared", "Cleared"
    NOT_CLEARED = "not_cleared", "Not cleared"
    NEEDS_REVIEW = "needs_review", "Needs medical review"


class AdverseEventKind(models.TextChoices):
    NAUSEA = "nausea", "Nausea"
    VOMITING = "vomiting", "Vomiting"
    DIZZINESS = "dizziness", "Dizziness"
    BP_RISE = "bp_rise", "Blood pressure rise"
    EMERGENCE = "emergence", "Emergence reaction"
    ANXIETY = "anxiety", "Anxiety"
    OTHER = "other", "Other"


class AdverseEventSeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Instrument(models.TextChoices):
    GAD7 = "gad7", "GAD-7"
    PHQ9 = "phq9", "PHQ-9"
    PCL5 = "pcl5", "PCL-5"


class AlertKind(models.TextChoices):
    VITALS = "vitals", "Vital signs out of range"
    SUICIDAL_IDEATION = "phq9_item9", "PHQ-9 item 9 (thoughts of self-harm)"


class AlertSeverity(models.TextChoices):
    URGENT = "urgent", "Urgent"
    WARNING = "warning", "Warning"


class RiskLevel(models.TextChoices):
    """The C-SSRS screener's triage (see `practice.cssrs`)."""

    LOW = "low", "Low risk"
    MODERATE = "moderate", "Moderate risk"
    HIGH = "high", "High risk"


class ConsentKind(models.TextChoices):
    """The consent documents a clinic publishes for its patients to sign."""

    KAP_INFORMED_CONSENT = "kap_informed_consent", "KAP informed consent"
    CONTROLLED_SUBSTANCE_AGREEMENT = (
        "controlled_substance_agreement",
        "Controlled-substance agreement",
    )
    TELEHEALTH = "telehealth", "Telehealth consent"
    FINANCIAL_POLICY = "financial_policy", "Financial and cancellation policy"
    RELEASE_OF_INFORMATION = "release_of_information", "Release of information"


# What a dose (booking, check-in, the dose itself) needs signed; a telehealth session needs
# TELEHEALTH_CONSENT_KINDS.
DOSING_CONSENT_KINDS = (
    ConsentKind.KAP_INFORMED_CONSENT,
    ConsentKind.CONTROLLED_SUBSTANCE_AGREEMENT,
)
TELEHEALTH_CONSENT_KINDS = (ConsentKind.TELEHEALTH,)


class ConsentTemplateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class DocumentKind(models.TextChoices):
    """What an outside document is: the records a prescriber asks for before treatment."""

    INSURANCE_CARD_FRONT = "insurance_card_front", "Insurance card (front)"
    INSURANCE_CARD_BACK = "insurance_card_back", "Insurance card (back)"
    ECG = "ecg", "ECG"
    LABS = "labs", "Lab results"
    THERAPIST_LETTER = "therapist_letter", "Letter from the patient's therapist"
    IDENTITY = "identity", "Photo ID"
    OTHER = "other", "Other"


class DocumentContentType(models.TextChoices):
    """The file types a document may be, as libmagic detects them from the content (never
    from the name): PDFs and the photo formats phones take (HEIC/HEIF on iPhones)."""

    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG image"
    PNG = "image/png", "PNG image"
    HEIC = "image/heic", "HEIC image"
    HEIF = "image/heif", "HEIF image"
