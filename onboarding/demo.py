"""Demo: the clinic's checklist asks new patients in plain words (idempotent)."""

from practice.models import Contraindication
from practice.services.screening import PLAIN_QUESTIONS


def seed(ctx: dict) -> dict:
    """Give the standard checklist items their plain question where the clinic has none
    (a demo database made before the intake existed)."""
    for name, question in PLAIN_QUESTIONS.items():
        Contraindication.objects.filter(
            clinic=ctx["clinic"], name=name, patient_question=""
        ).update(patient_question=question)
    return ctx
