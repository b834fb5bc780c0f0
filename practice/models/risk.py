"""The suicide-risk pathway: C-SSRS risk assessments and Stanley–Brown safety plans."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from practice.choices import (
    RiskLevel,
)
from practice.models.clinics import Clinic, StaffMember
from practice.models.measures import SafetyAlert
from practice.models.patients import Patient
from practice.querysets import PatientScopedQuerySet


class RiskAssessment(models.Model):
    """A clinician's suicide-risk assessment: the C-SSRS screener's answers, the level it
    gives (`practice.cssrs`), and the clinician's formulation and plan.

    Recording one acknowledges the patient's open suicidality alerts. Never shown to the
    patient. Never edited: a new assessment is a new row.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="risk_assessments")
    alert = models.ForeignKey(
        SafetyAlert,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_assessments",
        help_text="The alert that asked for it, if any.",
    )
    answers = models.JSONField(help_text="C-SSRS screener answers by question (None: skipped).")
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices)
    formulation = models.TextField(
        "formulation and plan", help_text="Your assessment of the risk and what happens next."
    )
    assessed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(patients_may_see=False)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["patient", "assessed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(risk_level__in=RiskLevel.values), name="risk_assessment_level_known"
            ),
            models.CheckConstraint(
                condition=~Q(formulation=""), name="risk_assessment_has_formulation"
            ),
        ]

    def __str__(self):
        return f"C-SSRS {self.get_risk_level_display().lower()} – {self.patient}"


class SafetyPlan(models.Model):
    """A patient's Stanley–Brown safety plan, one row per version.

    The six steps (Stanley B, Brown GK. Safety Planning Intervention. Cogn Behav Pract
    2012;19:256–264) and the reasons for living, each a short list, one item per line.
    Written with the patient by a clinician; each save is a new version and the previous
    one is superseded (`superseded_at`), so exactly one version is current. The patient
    sees the current version in the portal; step 5 always adds the 988 Suicide & Crisis
    Lifeline.
    """

    # (field, title, what goes in it), in the order the patient works through them.
    STEPS = (
        (
            "warning_signs",
            "Warning signs",
            "Thoughts, images, moods, situations or behaviour that tell me a crisis may be coming.",
        ),
        (
            "coping_strategies",
            "Internal coping strategies",
            "Things I can do on my own to take my mind off my problems, without contacting anyone.",
        ),
        (
            "social_distractions",
            "People and social settings that provide distraction",
            "Names and phone numbers, and places I can go.",
        ),
        ("people_to_ask", "People I can ask for help", "Names and phone numbers."),
        (
            "professionals",
            "Professionals or agencies I can contact during a crisis",
            "Clinicians and urgent care, with phone numbers.",
        ),
        (
            "environment_safety",
            "Making the environment safe",
            "Keeping lethal means (such as medicines or firearms) away or locked up, and who "
            "helps with it.",
        ),
    )
    CRISIS_LINE = "988 Suicide & Crisis Lifeline: call or text 988 (chat at 988lifeline.org)"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_plans")
    version = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    warning_signs = models.TextField()
    coping_strategies = models.TextField("internal coping strategies")
    social_distractions = models.TextField("people and social settings that provide distraction")
    people_to_ask = models.TextField("people to ask for help")
    professionals = models.TextField("professionals and agencies to contact in a crisis")
    environment_safety = models.TextField("making the environment safe")
    reasons_for_living = models.TextField(
        blank=True, help_text="The one thing (or few) most important to me and worth living for."
    )
    written_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="safety_plan_version_once"),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(superseded_at__isnull=True),
                name="safety_plan_one_current",
            ),
        ]

    def __str__(self):
        return f"Safety plan v{self.version} – {self.patient}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def steps(self) -> list[tuple[int, str, str, list[str]]]:
        """(number, title, hint, lines) of the six steps."""
        return [
            (number, title, hint, _lines(getattr(self, name)))
            for number, (name, title, hint) in enumerate(self.STEPS, start=1)
        ]

    @property
    def reasons(self) -> list[str]:
        return _lines(self.reasons_for_living)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
