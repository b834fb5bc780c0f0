"""Patient documents API: upload (multipart), list, read, download, review, withdraw.

A patient uploads to and reads their own record; staff per `visible_to` (the clinic's
admins, the care team's clinicians); medical staff and admins mark documents reviewed or
withdraw them. Files are downloaded only here and on the pages, never at a public URL.
"""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import ScopedViewSet
from backend.filters import IdFilter
from backend.roles import ADMIN, MEDICAL, PATIENT, STAFF_ROLES, staff_for
from practice import services
from practice.api.common import VisiblePatientField
from practice.choices import DocumentContentType, DocumentKind
from practice.errors import DocumentRefused
from practice.models import PatientDocument
from practice.selectors import document_list
from practice.services.documents import document_upload_size_check
from practice.views.documents import document_file_response

REVIEWERS = frozenset({ADMIN, MEDICAL})


class DocumentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by_name = serializers.SerializerMethodField()
    reviewed_by_name = serializers.SerializerMethodField()
    download_name = serializers.CharField(read_only=True)

    class Meta:
        model = PatientDocument
        fields = [
            "id",
            "patient",
            "kind",
            "kind_display",
            "document_date",
            "notes",
            "original_filename",
            "content_type",
            "size",
            "sha256",
            "download_name",
            "uploaded_by_name",
            "uploaded_at",
            "reviewed_by",
            "reviewed_by_name",
            "reviewed_at",
            "withdrawn_at",
            "withdrawal_reason",
        ]
        read_only_fields = fields

    def get_uploaded_by_name(self, document) -> str:
        user = document.uploaded_by
        return user.get_full_name() or user.get_username()

    def get_reviewed_by_name(self, document) -> str | None:
        return document.reviewed_by.display_name if document.reviewed_by_id else None


class DocumentUploadSerializer(serializers.Serializer):
    patient = VisiblePatientField(
        required=False, help_text="The patient; a patient uploading leaves it out (their own)."
    )
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    document_date = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="A PDF, JPEG, PNG or HEIC file, judged by its content (not its name), at "
        "most DOCUMENT_MAX_BYTES (10 MB by default).",
    )


class WithdrawalSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=500)


class DocumentFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id")
    reviewed = django_filters.BooleanFilter(
        field_name="reviewed_at", lookup_expr="isnull", exclude=True
    )
    withdrawn = django_filters.BooleanFilter(
        method="filter_withdrawn", help_text="true: only withdrawn documents (staff)."
    )

    class Meta:
        model = PatientDocument
        fields = ["patient", "kind", "reviewed", "withdrawn"]

    def filter_withdrawn(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(withdrawn_at__isnull=not value)


class DocumentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Outside documents on a patient's record (ECG, labs, a therapist's letter, the
    insurance card, ID). Withdrawn documents leave the list (`?withdrawn=true` shows them
    to staff); there is no delete."""

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["uploaded_at", "document_date"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = STAFF_ROLES | {PATIENT}
    action_roles = {"review": REVIEWERS, "withdraw": REVIEWERS}

    def get_queryset(self):
        asked = self.request.query_params.get("withdrawn", "").lower() in ("true", "1")
        return document_list(
            user=self.request.user, include_withdrawn=self.action != "list" or asked
        )

    def get_serializer_class(self):
        if self.action == "create":
            return DocumentUploadSerializer
        if self.action == "withdraw":
            return WithdrawalSerializer
        return DocumentSerializer

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={
            201: DocumentSerializer,
            400: OpenApiResponse(description="Not an accepted file type, or incomplete."),
            413: OpenApiResponse(description="Larger than DOCUMENT_MAX_BYTES."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Upload a document. Refused, with nothing stored: a file that is not a PDF, JPEG,
        PNG or HEIC by its content (whatever its name), an empty or oversized file."""
        # Before the body is read: a request far over the limit is refused unparsed.
        document_upload_size_check(content_length=request.META.get("CONTENT_LENGTH"))
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        patient = data.get("patient")
        if patient is None:
            if not self.actor.is_patient:
                raise DocumentRefused(
                    "Say which patient the document belongs to.",
                    extra={"fields": {"patient": ["This field is required."]}},
                )
            patient = request.user.patient
        document = services.document_upload(
            patient=patient,
            uploaded_by=request.user,
            file=data["file"],
            kind=data["kind"],
            document_date=data.get("document_date"),
            notes=data.get("notes", ""),
        )
        return Response(
            DocumentSerializer(self.get_queryset().get(pk=document.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={(200, ct): OpenApiTypes.BINARY for ct in DocumentContentType.values})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file, as an attachment named `document-<id>.<ext>`, in the type its content
        was detected as. An audited read."""
        return document_file_response(self.get_object())

    @extend_schema(request=None, responses={200: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Mark the document reviewed (medical staff and admins)."""
        document = services.document_review(document=self.get_object(), by=staff_for(request.user))
        return Response(DocumentSerializer(self.get_queryset().get(pk=document.pk)).data)

    @extend_schema(request=WithdrawalSerializer, responses={200: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take the document off the lists, with the reason; it stays stored (medical staff
        and admins)."""
        document = self.get_object()  # out of reach: 404 before any word on the body
        payload = WithdrawalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        document = services.document_withdraw(
            document=document, by=staff_for(request.user), **payload.validated_data
        )
        return Response(DocumentSerializer(self.get_queryset().get(pk=document.pk)).data)
