from django.db import models


class IntakeStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    REVIEWED = "reviewed", "Reviewed"


class IntakeStep(models.TextChoices):
    """The steps of the intake, in the order the portal shows them (any order is fine)."""

    DEMOGRAPHICS = "demographics", "About you"
    CONTACTS = "contacts", "Emergency contact and escort"
    INSURANCE = "insurance", "Insurance"
    MEDICATIONS = "medications", "Medications and allergies"
    SCREENING = "screening", "Health questions"


class ScreeningAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"
