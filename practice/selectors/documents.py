"""Patient documents as the reader may see them (`visible_to`): the patient their own, the
clinic's admins all of the clinic's, clinicians their care team's."""

from django.db.models import QuerySet

from backend.roles import actor_for
from practice.models import PatientDocument


def document_list(*, user, include_withdrawn: bool = False) -> QuerySet[PatientDocument]:
    """Documents newest first, with their patient and who uploaded and reviewed them
    joined. Withdrawn documents are left out unless asked for (never for a patient)."""
    documents = PatientDocument.objects.visible_to(user).select_related(
        "patient", "uploaded_by", "reviewed_by__user", "withdrawn_by__user"
    )
    actor = actor_for(user)
    if not include_withdrawn or actor is None or actor.is_patient:
        documents = documents.filter(withdrawn_at__isnull=True)
    return documents


def patient_document_rows(*, patient) -> QuerySet[PatientDocument]:
    """The documents of `patient` (one the caller may see) as the patient page lists them:
    newest first, withdrawn ones left out, the uploader and reviewer joined; each row's
    patient is `patient` itself, not joined again (1 query)."""
    return patient.documents.filter(withdrawn_at__isnull=True).select_related(
        "uploaded_by", "reviewed_by__user"
    )


def document_get(*, user, pk) -> PatientDocument:
    """One document the reader may see (DoesNotExist otherwise, also for a withdrawn one
    asked by a patient)."""
    return document_list(user=user, include_withdrawn=True).get(pk=pk)


def documents_to_review(*, user) -> QuerySet[PatientDocument]:
    """Documents nobody has reviewed yet, oldest first (the clinic's review queue)."""
    return document_list(user=user).filter(reviewed_at__isnull=True).order_by("uploaded_at", "id")
