"""The caller's clinic's clinical settings: one resource per clinic, no id in the URL."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response

from backend.api import ScopedViewSet
from backend.roles import ADMIN, STAFF_ROLES, staff_for
from practice import services
from practice.choices import Instrument
from practice.models import ClinicalSettings
from practice.services.clinical_settings import EDITABLE_FIELDS


class ClinicalSettingsSerializer(serializers.ModelSerializer):
    """Reads the settings and checks the types of a change; the service decides whether the
    numbers make sense together and saves."""

    measure_instruments = serializers.ListField(
        child=serializers.ChoiceField(choices=Instrument.choices),
        help_text="Questionnaires patients are invited to answer.",
    )
    measure_after_dose_hours = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=24 * 90),
        help_text="Hours after each induction dose when questionnaires fall due.",
    )
    updated_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the settings were last changed; null while the clinic has the defaults.",
    )

    class Meta:
        model = ClinicalSettings
        fields = ["clinic", *EDITABLE_FIELDS, "updated_at"]
        read_only_fields = ["clinic", "updated_at"]

    def validate(self, attrs):
        # A misspelt setting must not be ignored in silence; what a GET returned may come back.
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(dict.fromkeys(unknown, "Not a clinical setting."))
        return attrs


class ClinicalSettingsViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """`GET /api/v1/clinical-settings/`: the thresholds the safety rules use (staff of the
    clinic). `PATCH` changes some of them (the clinic's admins): bad input is a 400 with a
    message per field and changes nothing."""

    singleton = True  # LayeredRouter routes GET and PATCH on the prefix itself
    queryset = ClinicalSettings.objects.all()
    serializer_class = ClinicalSettingsSerializer
    read_roles = STAFF_ROLES
    write_roles = frozenset({ADMIN})
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        # visible_to scopes to the caller's clinic; a clinic that never changed them has the
        # defaults, unsaved.
        found = self.get_queryset().first()
        return found or ClinicalSettings(clinic_id=self.actor.clinic_id)

    @extend_schema(request=ClinicalSettingsSerializer, responses=ClinicalSettingsSerializer)
    def partial_update(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        staff = staff_for(request.user)
        settings = services.clinical_settings_update(
            clinic=staff.clinic, by=staff, **serializer.validated_data
        )
        return Response(self.get_serializer(settings).data)
