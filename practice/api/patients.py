"""Patients API: list, filter, search, create, retrieve, update; diagnoses and care team."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField, ScopedViewSet
from backend.filters import IdFilter
from backend.roles import ADMIN, STAFF_ROLES, staff_for
from practice import services
from practice.models import CareTeam, Diagnosis, Patient, StaffMember
from practice.selectors import patient_list


class DiagnosisSerializer(serializers.ModelSerializer):
    class Meta:
        model = Diagnosis
        fields = ["id", "code", "description", "rank"]
        read_only_fields = ["id", "description"]


class DiagnosisCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=8)
    rank = serializers.IntegerField(min_value=1, max_value=12, required=False)


class CareTeamMemberSerializer(serializers.ModelSerializer):
    staff_id = serializers.IntegerField(source="staff.id", read_only=True)
    name = serializers.CharField(source="staff.display_name", read_only=True)
    role = serializers.CharField(source="staff.role", read_only=True)

    class Meta:
        model = CareTeam
        fields = ["staff_id", "name", "role", "is_primary"]


class CareTeamAddSerializer(serializers.Serializer):
    staff_id = IdField()
    is_primary = serializers.BooleanField(default=False)


class PatientSerializer(serializers.ModelSerializer):
    phone = PhoneNumberField(required=False, allow_blank=True, region="US")
    emergency_contact_phone = PhoneNumberField(required=False, allow_blank=True, region="US")
    escort_phone = PhoneNumberField(required=False, allow_blank=True, region="US")
    diagnoses = DiagnosisSerializer(many=True, read_only=True)
    care_team = CareTeamMemberSerializer(many=True, read_only=True)
    has_portal_login = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "id",
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
            "email",
            "insurance_payer",
            "insurance_payer_id",
            "insurance_member_id",
            "insurance_group_number",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
            "escort_name",
            "escort_phone",
            "rems_patient_id",
            "is_active",
            "deactivated_at",
            "deactivation_reason",
            "diagnoses",
            "care_team",
            "has_portal_login",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "is_active",
            "deactivated_at",
            "deactivation_reason",
            "created_at",
            "updated_at",
        ]

    def get_has_portal_login(self, patient) -> bool:
        return patient.user_id is not None


class PatientFilter(django_filters.FilterSet):
    care_team_staff = IdFilter(field_name="care_team__staff_id", distinct=True)
    diagnosis = django_filters.CharFilter(field_name="diagnoses__code", distinct=True)
    insurance_payer = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Patient
        fields = ["sex", "care_team_staff", "diagnosis", "insurance_payer", "is_active"]


class PatientDeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Patients of the requester's clinic; clinicians see their care team's, a patient themself.

    The list shows active patients unless `is_active` is given; a deactivated patient's
    record stays readable by id. There is no DELETE: patients are deactivated, with a reason.
    """

    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    search_fields = ["legal_first_name", "legal_last_name", "preferred_name"]
    ordering_fields = ["legal_last_name", "date_of_birth", "created_at"]
    write_roles = frozenset({ADMIN})
    # Clinicians on the care team may record diagnoses; only admins change the care team.
    action_roles = {
        "diagnoses": STAFF_ROLES,
        "care_team": frozenset({ADMIN}),
        "deactivate": frozenset({ADMIN}),
        "reactivate": frozenset({ADMIN}),
    }

    def get_queryset(self):
        # patient_list applies visible_to and loads diagnoses and care team once.
        listing = self.action == "list" and "is_active" not in self.request.query_params
        return patient_list(user=self.request.user, active=True if listing else None)

    def perform_create(self, serializer):
        serializer.instance = services.patient_create(
            clinic=staff_for(self.request.user).clinic, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.patient_update(
            patient=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=DiagnosisCreateSerializer, responses=DiagnosisSerializer)
    @action(detail=True, methods=["post"])
    def diagnoses(self, request, pk=None):
        """Add an ICD-10-CM diagnosis (clinical staff and admins)."""
        patient = self.get_object()
        payload = DiagnosisCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        diagnosis = services.diagnosis_add(patient=patient, **payload.validated_data)
        return Response(DiagnosisSerializer(diagnosis).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CareTeamAddSerializer, responses=CareTeamMemberSerializer)
    @action(detail=True, methods=["post"], url_path="care-team")
    def care_team(self, request, pk=None):
        """Put a staff member of the clinic on the patient's care team (admins)."""
        patient = self.get_object()
        payload = CareTeamAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        staff = get_object_or_404(
            StaffMember.objects.for_clinic(patient.clinic_id), pk=payload.validated_data["staff_id"]
        )
        member = services.care_team_add(
            patient=patient, staff=staff, is_primary=payload.validated_data["is_primary"]
        )
        return Response(CareTeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PatientDeactivateSerializer, responses=PatientSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Take the patient out of active lists, with a reason (admins). Never a delete."""
        patient = self.get_object()
        payload = PatientDeactivateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        patient = services.patient_deactivate(
            patient=patient, by=request.user, reason=payload.validated_data["reason"]
        )
        return Response(self.get_serializer(patient).data)

    @extend_schema(request=None, responses=PatientSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        """Bring a deactivated patient back to the active lists (admins)."""
        patient = services.patient_reactivate(patient=self.get_object(), by=request.user)
        return Response(self.get_serializer(patient).data)
