"""Patient document pages: the patient's own (portal), upload on the record, the download
that serves both, review and withdraw, and the clinic's "documents to review" list.

A file is only ever served by `document_file_response`, after a scoped lookup that the
audit trail records (an out-of-reach id is a 404 and a denied audit row); MEDIA_URL has
no route.
"""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from backend.audit import audit_access, audit_records
from backend.roles import ADMIN, MEDICAL, PATIENT, STAFF_ROLES, staff_for
from backend.views import RoleRequiredMixin, ServiceFormView, run_service
from practice import services
from practice.choices import DocumentKind
from practice.errors import DocumentTooLarge
from practice.forms import DocumentForm, WithdrawForm
from practice.models import PatientDocument
from practice.selectors import document_get, document_list, documents_to_review
from practice.services.documents import document_open, document_upload_size_check
from practice.views.clinical import PatientScopedFormView

REVIEWERS = frozenset({ADMIN, MEDICAL})


def document_file_response(document: PatientDocument) -> FileResponse:
    """The stored file as a download: a generic name (`document-<id>.pdf`, never the
    uploaded one), the type detected at upload, no sniffing, no caching."""
    response = FileResponse(
        document_open(document=document),
        as_attachment=True,
        filename=document.download_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Opened by a browser anyway, it runs nothing and reaches nothing.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


class DocumentDownloadView(RoleRequiredMixin, View):
    """One document's file, to the patient it belongs to and the staff who may see it
    (withdrawn documents: staff only). Anyone else: 404, recorded as denied."""

    allowed_roles = STAFF_ROLES | {PATIENT}

    def get(self, request, pk):
        try:
            document = document_get(user=request.user, pk=pk)
        except PatientDocument.DoesNotExist as exc:
            raise Http404("No document found.") from exc
        audit_access(document)
        return document_file_response(document)


class _UploadMixin:
    """The upload form's size limit, and a body far over it refused before it is read."""

    form_class = DocumentForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["limit"] = self.size_limit()
        return kwargs

    def size_limit(self) -> str:
        return filesizeformat(settings.DOCUMENT_MAX_BYTES)

    def post(self, request, *args, **kwargs):
        try:
            document_upload_size_check(content_length=request.META.get("CONTENT_LENGTH"))
        except DocumentTooLarge as exc:
            messages.error(request, exc.message)
            # An unbound form: reading the body to fill it is what this check avoids.
            form = self.form_class(initial=self.get_initial(), limit=self.size_limit())
            return self.render_to_response(self.get_context_data(form=form), status=413)
        return super().post(request, *args, **kwargs)

    def call(self, form):
        return services.document_upload(
            patient=self.document_patient(),
            uploaded_by=self.request.user,
            file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            document_date=form.cleaned_data["document_date"],
            notes=form.cleaned_data["notes"],
        )

    def get_success_message(self, document) -> str:
        return f"{document.get_kind_display()} uploaded."


class PortalDocumentsView(_UploadMixin, ServiceFormView):
    """The patient's own documents and the upload form. `?kind=insurance_card_front` (any
    DocumentKind) preselects what is being uploaded (the intake links here)."""

    allowed_roles = frozenset({PATIENT})
    template_name = "practice/portal_documents.html"
    page_title = "My documents"

    def document_patient(self):
        return self.request.user.patient

    def get_initial(self):
        kind = self.request.GET.get("kind", "")
        return {"kind": kind} if kind in DocumentKind.values else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["documents"] = list(document_list(user=self.request.user))
        audit_records(context["documents"])
        return context

    def redirect_to(self, document):
        kind = self.request.GET.get("kind", "")
        url = reverse("practice:portal-documents")
        return f"{url}?kind={kind}" if kind in DocumentKind.values else url


class PatientDocumentUploadView(_UploadMixin, PatientScopedFormView, ServiceFormView):
    """Staff upload a document to a patient's record (the record's documents panel posts
    here; a refusal comes back on this page)."""

    allowed_roles = STAFF_ROLES
    template_name = "practice/document_upload.html"
    page_title = "Upload a document"

    def document_patient(self):
        return self.patient

    def redirect_to(self, document):
        return reverse("practice:patient-detail", args=[self.patient.pk]) + "#documents"


class _DocumentActionView(RoleRequiredMixin, View):
    allowed_roles = REVIEWERS

    def document(self, pk) -> PatientDocument:
        try:
            document = document_get(user=self.request.user, pk=pk)
        except PatientDocument.DoesNotExist as exc:
            raise Http404("No document found.") from exc
        audit_access(document)
        return document

    def back(self, document):
        if self.request.POST.get("back") == "review-list":
            return redirect("practice:document-review-list")
        return redirect(
            reverse("practice:patient-detail", args=[document.patient_id]) + "#documents"
        )


class DocumentReviewView(_DocumentActionView):
    """Mark a document reviewed (medical staff and admins)."""

    def post(self, request, pk):
        document = self.document(pk)
        run_service(
            request,
            services.document_review,
            document=document,
            by=staff_for(request.user),
            success=f"{document.get_kind_display()} marked reviewed.",
        )
        return self.back(document)


class DocumentWithdrawView(_DocumentActionView):
    """Withdraw a document with the reason (medical staff and admins); it stays stored."""

    def post(self, request, pk):
        document = self.document(pk)
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Say why the document is withdrawn.")
            return self.back(document)
        run_service(
            request,
            services.document_withdraw,
            document=document,
            by=staff_for(request.user),
            reason=form.cleaned_data["reason"],
            success=f"{document.get_kind_display()} withdrawn; it stays on file.",
        )
        return self.back(document)


class DocumentReviewListView(RoleRequiredMixin, ListView):
    """Documents nobody has reviewed yet, oldest first: the clinic's for an admin, the
    care team's for medical staff."""

    allowed_roles = REVIEWERS
    template_name = "practice/document_review_list.html"
    context_object_name = "documents"
    paginate_by = 50

    def get_queryset(self):
        return documents_to_review(user=self.request.user)
