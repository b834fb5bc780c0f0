"""Consent documents API: the clinic's templates (`consent-templates`: staff read, admins
write and publish) and the signed consents (`consents`: a patient sees and signs their own,
staff per the care team; `sign`, `countersign`, `revoke`, `pdf`)."""

import django_filters
from auditlog.middleware import AuditlogMiddleware
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import ScopedViewSet
from backend.roles import ADMIN, MEDICAL, PATIENT, STAFF_ROLES, staff_for
from practice import services
from practice.choices import ConsentTemplateStatus
from practice.models import Consent, ConsentTemplate
from practice.selectors import consent_list, consent_template_list


def request_origin(request) -> dict:
    """Where a signature comes from: the client's address (as the audit trail reads it,
    honouring the trusted proxy settings) and its browser."""
    return {
        "ip_address": AuditlogMiddleware._get_remote_addr(request) or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
    }


class ConsentTemplateSerializer(serializers.ModelSerializer):
    field_names = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ConsentTemplate
        fields = [
            "id",
            "kind",
            "version",
            "title",
            "body",
            "field_names",
            "requires_new_signature",
            "requires_countersignature",
            "status",
            "published_at",
            "retired_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "version",
            "field_names",
            "status",
            "published_at",
            "retired_at",
            "created_at",
        ]


class ConsentTemplateFilter(django_filters.FilterSet):
    class Meta:
        model = ConsentTemplate
        fields = ["kind", "status"]


class ConsentTemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Versions of the clinic's consent documents. POST writes a draft version (the next
    number of its kind); `publish` makes it the clinic's version and retires the one it
    replaces. A published body never changes: write a new version."""

    serializer_class = ConsentTemplateSerializer
    filterset_class = ConsentTemplateFilter
    read_roles = STAFF_ROLES
    write_roles = frozenset({ADMIN})

    def get_queryset(self):
        return consent_template_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        by = staff_for(request.user)
        template = services.consent_template_create(
            clinic_id=by.clinic_id, by=by, **payload.validated_data
        )
        return Response(
            ConsentTemplateSerializer(self.get_queryset().get(pk=template.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=ConsentTemplateSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish this draft; the published version of its kind is retired."""
        template = services.consent_template_publish(
            template=self.get_object(), by=staff_for(request.user)
        )
        return Response(ConsentTemplateSerializer(self.get_queryset().get(pk=template.pk)).data)


class ConsentSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="template.version", read_only=True)
    countersigned_by_name = serializers.CharField(
        source="countersigned_by.display_name", read_only=True, default=None
    )
    hash_verified = serializers.SerializerMethodField()
    requires_countersignature = serializers.BooleanField(
        source="template.requires_countersignature", read_only=True
    )

    class Meta:
        model = Consent
        fields = [
            "id",
            "patient",
            "template",
            "kind",
            "title",
            "version",
            "rendered_text",
            "signed_name",
            "signed_at",
            "ip_address",
            "sha256",
            "hash_verified",
            "requires_countersignature",
            "countersigned_by",
            "countersigned_by_name",
            "countersigned_at",
            "revoked_at",
            "revocation_reason",
        ]
        read_only_fields = fields

    def get_hash_verified(self, consent) -> bool:
        """Whether the stored SHA-256 still matches the stored document."""
        return services.consent_verify(consent=consent)


class ConsentSignSerializer(serializers.Serializer):
    template = serializers.PrimaryKeyRelatedField(
        queryset=ConsentTemplate.objects.none(),
        help_text="The published template to sign (the clinic's current version of a kind).",
    )
    signed_name = serializers.CharField(allow_blank=True, help_text="The full name, typed.")
    signature = serializers.CharField(
        allow_blank=True, help_text="The drawn signature as a PNG data URL (data:image/png;…)."
    )
    text_sha256 = serializers.CharField(
        required=False,
        help_text="SHA-256 (hex) of the text the patient was shown; refused if it differs "
        "from the text signed.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["template"].queryset = ConsentTemplate.objects.visible_to(
                request.user
            ).filter(status=ConsentTemplateStatus.PUBLISHED)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ConsentFilter(django_filters.FilterSet):
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Consent
        fields = ["patient", "kind", "revoked"]


class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Signed consents, never changed or deleted. A patient sees and signs their own (`sign`);
    staff see them per the care team (admins: the clinic). Medical staff and admins
    `countersign`; they and the patient `revoke` with a reason (kept on the consent). `pdf`
    downloads the signed document with its hash check."""

    serializer_class = ConsentSerializer
    filterset_class = ConsentFilter
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = frozenset({ADMIN, MEDICAL})
    action_roles = {
        "sign": frozenset({PATIENT}),
        "countersign": frozenset({ADMIN, MEDICAL}),
        "revoke": frozenset({ADMIN, MEDICAL, PATIENT}),
    }

    def get_queryset(self):
        return consent_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "sign":
            return ConsentSignSerializer
        if self.action == "revoke":
            return RevokeSerializer
        return ConsentSerializer

    def _data(self, consent):
        return ConsentSerializer(self.get_queryset().get(pk=consent.pk)).data

    @extend_schema(request=ConsentSignSerializer, responses={201: ConsentSerializer})
    @action(detail=False, methods=["post"])
    def sign(self, request):
        """The patient signs a published template: typed name and drawn signature (PNG data
        URL, refused when empty). Stores the rendered text, who, when, from where, and the
        SHA-256 of the document."""
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        consent = services.consent_sign(
            template=data["template"],
            patient=request.user.patient,
            user=request.user,
            signed_name=data["signed_name"],
            signature=data["signature"],
            shown_text_sha256=data.get("text_sha256"),
            **request_origin(request),
        )
        return Response(self._data(consent), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def countersign(self, request, pk=None):
        """Medical staff or an admin countersign, once."""
        consent = services.consent_countersign(
            consent=self.get_object(), by=staff_for(request.user)
        )
        return Response(self._data(consent))

    @extend_schema(request=RevokeSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Record that the consent no longer stands, with a reason; it is kept."""
        consent = self.get_object()
        payload = RevokeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        consent = services.consent_revoke(
            consent=consent, user=request.user, reason=payload.validated_data["reason"]
        )
        return Response(self._data(consent))

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The signed consent as PDF (text, signature, name, time, address, hash check)."""
        consent = self.get_object()  # audited access
        response = HttpResponse(
            services.consent_pdf(consent=consent), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="consent-{consent.pk}.pdf"'
        return response
