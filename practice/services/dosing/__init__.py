"""Dosing: the pre-dose safety gate, the dose, vitals with alerts, adverse events, discharge.

Only medical staff record any of it. Every refusal changes nothing. One module per step:
`gates` (the pre-dose gate and the dose checks, pure reads), `records` (the dose and its
ledger entry), `observations` (vital signs, adverse events, ratings and notes while the
record is open) and `discharge`; everything is importable from here as before.
"""

from practice.services.dosing.discharge import (
    DISCHARGE_REASON_FIELDS,
    FUTURE_TOLERANCE,
    baseline_deviations,
    discharge_failures,
    dosing_discharge,
)
from practice.services.dosing.gates import (
    OVERRIDABLE,
    REASON_FIELDS,
    dose_failures,
    predose_gate_failures,
    session_gate_failures,
)
from practice.services.dosing.observations import (
    adverse_event_record,
    dosing_observations_update,
    vitals_out_of_range,
    vitals_record,
)
from practice.services.dosing.records import dosing_record_create

__all__ = [
    "DISCHARGE_REASON_FIELDS",
    "FUTURE_TOLERANCE",
    "OVERRIDABLE",
    "REASON_FIELDS",
    "adverse_event_record",
    "baseline_deviations",
    "discharge_failures",
    "dose_failures",
    "dosing_discharge",
    "dosing_observations_update",
    "dosing_record_create",
    "predose_gate_failures",
    "session_gate_failures",
    "vitals_out_of_range",
    "vitals_record",
]
