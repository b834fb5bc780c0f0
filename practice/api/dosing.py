"""The dosing record's serializers: the record as read (with its vitals and adverse
events) and what the dose, a reading, an adverse event, the observations and the
discharge take. `practice.api.sessions` serves them as the session's dosing actions.
"""

from rest_framework import serializers

from practice.choices import AdverseEventKind, AdverseEventSeverity, Route, Sedation
from practice.models import AdverseEvent, DosingRecord, VitalSigns


class VitalSignsSerializer(serializers.ModelSerializer):
    class Meta:
        model = VitalSigns
        fields = [
            "id",
            "taken_at",
            "systolic",
            "diastolic",
            "heart_rate",
            "spo2",
            "out_of_range",
            "recorded_by",
        ]
        read_only_fields = ["id", "out_of_range", "recorded_by"]
        extra_kwargs = {"taken_at": {"required": False}}


class AdverseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdverseEvent
        fields = [
            "id",
            "kind",
            "severity",
            "description",
            "action_taken",
            "occurred_at",
            "recorded_by",
        ]
        read_only_fields = ["id", "recorded_by"]
        extra_kwargs = {"occurred_at": {"required": False}}


class DosingRecordSerializer(serializers.ModelSerializer):
    vitals = VitalSignsSerializer(many=True, read_only=True)
    adverse_events = AdverseEventSerializer(many=True, read_only=True)
    administered_by_name = serializers.CharField(
        source="administered_by.display_name", read_only=True
    )

    class Meta:
        model = DosingRecord
        fields = [
            "id",
            "session",
            "route",
            "dose_mg",
            "weight_kg",
            "dose_mg_per_kg",
            "lot_number",
            "administered_at",
            "administered_by",
            "administered_by_name",
            "escort_confirmed",
            "fasting_confirmed",
            "predose_systolic",
            "predose_diastolic",
            "predose_heart_rate",
            "predose_spo2",
            "weight_confirmed",
            "dose_override_by",
            "dose_override_reason",
            "dose_override_for",
            "dissociation_score",
            "sedation",
            "notes",
            "discharge_vitals_near_baseline",
            "discharge_alert_and_oriented",
            "discharge_escort_present",
            "discharge_ready_per_clinical_judgement",
            "ready_after_minutes",
            "discharged_at",
            "discharged_by",
            "vitals",
            "adverse_events",
        ]
        read_only_fields = fields


class DosingRecordCreateSerializer(serializers.Serializer):
    dose_mg = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0)
    drawn_mg = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="What was drawn from the lot, when more than the dose: the rest may later "
        "be wasted (witnessed) against this dose, never more.",
    )
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=1)
    route = serializers.ChoiceField(choices=Route.choices, required=False)
    lot_id = serializers.IntegerField(
        help_text="The controlled-substance lot the dose is drawn from (in stock, unexpired)."
    )
    administered_at = serializers.DateTimeField(required=False)
    escort_confirmed = serializers.BooleanField()
    fasting_confirmed = serializers.BooleanField()
    predose_systolic = serializers.IntegerField(min_value=50, max_value=300)
    predose_diastolic = serializers.IntegerField(min_value=20, max_value=200)
    predose_heart_rate = serializers.IntegerField(
        min_value=20, max_value=250, required=False, allow_null=True
    )
    predose_spo2 = serializers.IntegerField(
        min_value=50, max_value=100, required=False, allow_null=True
    )
    weight_confirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The weight differs from the screening's by more than the clinic's margin "
        "and was re-checked.",
    )
    dose_override = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Give a dose outside the route's range or the plan's dose on purpose "
        "(medical staff, with dose_override_reason).",
    )
    dose_override_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class AdverseEventCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AdverseEventKind.choices)
    severity = serializers.ChoiceField(
        choices=AdverseEventSeverity.choices, default=AdverseEventSeverity.MILD
    )
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    action_taken = serializers.CharField(max_length=300, required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False)


class ObservationsSerializer(serializers.Serializer):
    dissociation_score = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True
    )
    sedation = serializers.ChoiceField(
        choices=Sedation.choices,
        required=False,
        help_text="The deepest sedation after the dose (required before an esketamine discharge).",
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class DischargeSerializer(serializers.Serializer):
    vitals_near_baseline = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Read from the vital signs; if sent, it must agree with them.",
    )
    alert_and_oriented = serializers.BooleanField()
    escort_present = serializers.BooleanField()
    ready_per_clinical_judgement = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The clinician judges the patient clinically stable and ready to leave "
        "(required after esketamine).",
    )
    ready_after_minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The REMS's question: without the two-hour minimum, the patient would have "
        "been ready this many minutes after the dose.",
    )


class RemsFormQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["pdf", "csv"], default="pdf")
