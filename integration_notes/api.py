"""Notes API: templates (read), progress notes with `sign` and `addenda`, a signed note's
PDF, and psychotherapy notes (their author only). Thin: services write, selectors read."""

import django_filters
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField, ScopedReadOnlyViewSet, ScopedViewSet
from backend.pagination import KeysetPagination
from backend.roles import CLINICIAN_ROLES, PATIENT, STAFF_ROLES, staff_for
from backend.scoping import VisiblePrimaryKeyRelatedField, get_visible_or_404
from integration_notes import exports, selectors, services
from integration_notes.errors import NoteNotSigned
from integration_notes.models import Addendum, Note, NoteTemplate, PsychotherapyNote
from practice.models import Patient, Session


class NoteTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoteTemplate
        fields = [
            "id",
            "key",
            "version",
            "name",
            "description",
            "session_kinds",
            "fields",
            "show_alongside",
            "is_current",
        ]


class NoteTemplateViewSet(ScopedReadOnlyViewSet):
    """The clinic's note templates, every version (notes point at the one they used)."""

    serializer_class = NoteTemplateSerializer
    queryset = NoteTemplate.objects.all()
    read_roles = STAFF_ROLES
    filterset_fields = ["key", "is_current"]


class AddendumSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = Addendum
        fields = ["id", "author", "author_name", "text", "signed_at", "content_hash"]
        read_only_fields = fields


class AddendumCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20_000)


class NoteSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    session_kind = serializers.CharField(source="session.kind", read_only=True)
    session_starts_at = serializers.DateTimeField(source="session.starts_at", read_only=True)
    template_key = serializers.CharField(source="template.key", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    due_at = serializers.SerializerMethodField()
    addenda_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Note
        fields = [
            "id",
            "patient",
            "patient_name",
            "session",
            "session_kind",
            "session_starts_at",
            "template",
            "template_key",
            "template_version",
            "template_name",
            "author",
            "author_name",
            "status",
            "content",
            "word_count",
            "revision",
            "signed_at",
            "signed_by",
            "content_hash",
            "withheld",
            "withheld_reason",
            "withheld_by",
            "withheld_at",
            "due_at",
            "addenda_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_due_at(self, note) -> str:
        return serializers.DateTimeField().to_representation(selectors.note_due_at(note.session))


class NoteDetailSerializer(NoteSerializer):
    addenda = AddendumSerializer(many=True, read_only=True)
    template_fields = serializers.JSONField(source="template.fields", read_only=True)

    class Meta(NoteSerializer.Meta):
        fields = [*NoteSerializer.Meta.fields, "template_fields", "addenda"]
        read_only_fields = fields


class NoteCreateSerializer(serializers.Serializer):
    session = IdField()
    template = IdField()
    content = serializers.DictField(required=False, default=dict)


class NoteDraftSerializer(serializers.Serializer):
    content = serializers.DictField()
    revision = serializers.IntegerField(
        required=False, help_text="The revision you loaded; a stale one is refused (409)."
    )


class NoteSignSerializer(serializers.Serializer):
    revision = serializers.IntegerField(required=False)


class NoteWithholdSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=5_000,
        allow_blank=True,
        help_text="The 164.524 exception that applies; required.",
    )


class NoteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Full-text search")

    class Meta:
        model = Note
        fields = ["status", "patient", "session", "author", "template"]

    def search(self, queryset, name, value):
        return selectors.note_search(queryset, value)


class NoteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Progress notes of the patients the requester may see. Only the session's clinician
    writes and signs; a signed note answers 409 to every change; corrections are addenda.
    A patient reads (and downloads) their own signed notes unless one is withheld from them
    (`withhold` / `release`: the author or medical staff on the care team)."""

    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = CLINICIAN_ROLES
    filterset_class = NoteFilter
    # Keyset pages need a non-null key: signed_at (empty on drafts) is no longer an order.
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.note_get_queryset(user=self.request.user)
        return selectors.note_rows(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return NoteDetailSerializer
        return NoteSerializer

    def _detail(self, note, code=status.HTTP_200_OK):
        note = selectors.note_get(user=self.request.user, pk=note.pk)
        return Response(NoteDetailSerializer(note).data, status=code)

    @extend_schema(request=NoteCreateSerializer, responses={201: NoteDetailSerializer})
    def create(self, request, *args, **kwargs):
        payload = NoteCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session = get_visible_or_404(
            Session, user=request.user, pk=payload.validated_data["session"]
        )
        template = get_visible_or_404(
            NoteTemplate, user=request.user, pk=payload.validated_data["template"]
        )
        note = services.note_start(
            session=session,
            author=staff_for(self.request.user),
            template=template,
            content=payload.validated_data["content"],
        )
        return self._detail(note, status.HTTP_201_CREATED)

    @extend_schema(request=NoteDraftSerializer, responses=NoteDetailSerializer)
    def update(self, request, *args, **kwargs):
        note = self.get_object()
        payload = NoteDraftSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.note_save_draft(
            note=note, author=staff_for(self.request.user), **payload.validated_data
        )
        return self._detail(note)

    @extend_schema(request=NoteSignSerializer, responses=NoteDetailSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Sign the note (its author). It never changes again; 409 if already signed."""
        note = self.get_object()
        payload = NoteSignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.note_sign(
            note=note, signer=staff_for(self.request.user), **payload.validated_data
        )
        return self._detail(note)

    @extend_schema(
        methods=["GET"], request=None, responses=AddendumSerializer(many=True), summary="Addenda"
    )
    @extend_schema(
        methods=["POST"],
        request=AddendumCreateSerializer,
        responses={201: AddendumSerializer},
        summary="Add a signed addendum",
    )
    @action(detail=True, methods=["get", "post"])
    def addenda(self, request, pk=None):
        """The note's addenda in signing order; POST adds one (a signed note only)."""
        note = self.get_object()
        if request.method == "GET":
            addenda = note.addenda.select_related("author__user").order_by("signed_at", "id")
            return Response(AddendumSerializer(addenda, many=True).data)
        payload = AddendumCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        addendum = services.addendum_add(
            note=note, author=staff_for(self.request.user), text=payload.validated_data["text"]
        )
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoteWithholdSerializer, responses=NoteDetailSerializer)
    @action(detail=True, methods=["post"])
    def withhold(self, request, pk=None):
        """Withhold the signed note from the patient, with the 164.524 reason (400 without)."""
        note = self.get_object()
        payload = NoteWithholdSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.note_withhold(
            note=note, staff=staff_for(request.user), reason=payload.validated_data["reason"]
        )
        return self._detail(note)

    @extend_schema(request=None, responses=NoteDetailSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Show a withheld note to the patient again."""
        note = self.get_object()
        note = services.note_release(note=note, staff=staff_for(request.user))
        return self._detail(note)

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The signed note with its addenda as a PDF (for a records request)."""
        note = self.get_object()
        if not note.is_signed:
            raise NoteNotSigned("Only a signed note can be exported.")
        return _pdf_response(note)


def _pdf_response(note: Note) -> HttpResponse:
    response = HttpResponse(exports.note_pdf(note), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exports.note_pdf_filename(note)}"'
    return response


class PsychotherapyNoteSerializer(serializers.ModelSerializer):
    # A patient or session missing and one out of reach answer the same 404.
    patient = VisiblePrimaryKeyRelatedField(queryset=Patient.objects.all())
    session = VisiblePrimaryKeyRelatedField(
        queryset=Session.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = PsychotherapyNote
        fields = ["id", "patient", "session", "body", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class PsychotherapyNoteUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=50_000)


class PsychotherapyNoteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """A therapist's own psychotherapy notes. Everyone else, admins included, finds none:
    a list is empty and an id answers 404."""

    serializer_class = PsychotherapyNoteSerializer
    # Every role may ask (and finds nothing): a 403 would confirm the note exists.
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = CLINICIAN_ROLES
    filterset_fields = ["patient", "session"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.psychotherapy_note_list(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.psychotherapy_note_create(
            author=staff_for(self.request.user),
            patient=data["patient"],
            session=data.get("session"),
            body=data["body"],
        )

    @extend_schema(request=PsychotherapyNoteUpdateSerializer, responses=PsychotherapyNoteSerializer)
    def update(self, request, *args, **kwargs):
        note = self.get_object()
        payload = PsychotherapyNoteUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.psychotherapy_note_update(
            note=note, author=staff_for(request.user), body=payload.validated_data["body"]
        )
        return Response(PsychotherapyNoteSerializer(note).data)


def register_routes(router) -> None:
    router.register("note-templates", NoteTemplateViewSet, basename="note-template")
    router.register("notes", NoteViewSet, basename="note")
    router.register("psychotherapy-notes", PsychotherapyNoteViewSet, basename="psychotherapy-note")
