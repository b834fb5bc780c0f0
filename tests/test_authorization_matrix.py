"""Who may do what, for every route the URL router knows, asked of every persona.

The routes come from `django.urls.get_resolver()` (pages, the API router's list, detail
and @action routes, exports, PDFs, feeds, the Django admin), the methods from each view
(a viewset's actions, a view's handlers), the people from tests/personas.py. EXPECTED
below says, for each route and method, what each persona gets:

    a  allowed: 2xx/3xx, or 400/409 for a write with an empty body (it got past the
       permission check to validation; it runs in a rolled-back transaction)
    d  denied: 401/403, or a redirect to the login page
    h  hidden: 404, the same answer as for a row that does not exist

one letter per persona, in the order of PERSONAS. A route in the resolver without an entry
fails the test ("new route without an authorization entry"). Each detail route is asked
twice: with the patient's object and with the other clinic's; the other clinic's object
is hidden from everyone its own admin is not (denied stays denied).

Out-of-reach data carries a sentinel in every text field: the other clinic (all of it),
the other patient's notes, the psychotherapy note. No response body of a persona that
may not see it may contain it.

The world is built once and every request of a write runs in a transaction that is rolled
back, so one test walks the whole matrix and reports every mismatch at once.
"""

import datetime
import os
import re
import time
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.views.generic.edit import ProcessFormView
from rest_framework.test import APIClient

from controlled.errors import LedgerIsAppendOnly
from tests.factories import (
    DosingRecordFactory,
    MeasureResponseFactory,
    ProductFactory,
    RegistrationFactory,
    RetreatFactory,
    RoomFactory,
    ScreeningFactory,
    SessionFactory,
    StaffFactory,
    TreatmentPlanFactory,
    UserFactory,
    receive_lot,
    signed_note,
)
from tests.personas import make_personas

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "patient",
    "other_patient",
    "therapist",
    "outsider",
    "medical",
    "medical_outsider",
    "admin",
    "other_admin",
]
SENTINEL = "SENTINEL-7f3a"
FOREIGN = f"{SENTINEL}-FOREIGN"  # the other clinic: only its admin
OTHER = f"{SENTINEL}-OTHER"  # the other patient's notes: not the patient nor her team
PSYNOTE = f"{SENTINEL}-PSYNOTE"  # the therapist's psychotherapy note: the author only
MAY_SEE = {
    FOREIGN: {"other_admin"},
    OTHER: {"other_patient", "outsider", "admin"},
    PSYNOTE: {"therapist"},
}
PROJECT_APPS = {"practice", "controlled", "messaging", "scheduling", "integration_notes", "billing"}


def _p(spec: str) -> str:
    spec = spec.replace(" ", "")
    assert len(spec) == len(PERSONAS), spec
    return spec


# ---------------------------------------------------------------------------------------
# The expected outcomes: route name -> {method: one letter per persona}
# ---------------------------------------------------------------------------------------
# fmt: off
EXPECTED: dict[str, dict[str, str]] = {
    'accounts:otp-disable': {'POST': 'daaaaaaaa'},
    'accounts:otp-enrol': {'GET': 'daaaaaaaa', 'POST': 'daaaaaaaa'},
    'accounts:otp-verify': {'GET': 'daaaaaaaa', 'POST': 'daaaaaaaa'},
    'accounts:password-change': {'GET': 'daaaaaaaa', 'POST': 'daaaaaaaa'},
    'accounts:recovery-codes': {'POST': 'daaaaaaaa'},
    'accounts:security': {'GET': 'daaaaaaaa'},
    'accounts:token-create': {'POST': 'daaaaaaaa'},
    'accounts:token-revoke': {'POST': 'dahhhhhah'},
    'api-docs': {'GET': 'dddaaaaaa'},
    'api:api-root': {'GET': 'daaaaaaaa'},
    'api:api-token': {'POST': 'aaaaaaaaa'},
    'api:api-token-record-detail': {'DELETE': 'dahhhhhah'},
    'api:api-token-record-list': {'GET': 'daaaaaaaa'},
    'api:charge-approve': {'POST': 'dddddddah'},
    'api:charge-detail': {'GET': 'dahddddah', 'PATCH': 'dddddddah', 'PUT': 'dddddddaa'},
    'api:charge-list': {'GET': 'daaddddaa', 'POST': 'dddddddaa'},
    'api:charge-suggest': {'POST': 'dddddddaa'},
    'api:charge-void': {'POST': 'dddddddaa'},
    'api:clinical-settings-detail': {'GET': 'dddaaaaaa', 'PATCH': 'dddddddaa'},
    'api:controlled-count-detail': {'GET': 'dddddaaah'},
    'api:controlled-count-list': {'GET': 'dddddaaaa'},
    'api:controlled-count-resolve': {'POST': 'dddddaaah'},
    'api:controlled-entry-detail': {'GET': 'dddddaaah'},
    'api:controlled-entry-list': {'GET': 'dddddaaaa'},
    'api:controlled-entry-log-csv': {'GET': 'dddddaaaa'},
    'api:controlled-entry-log-pdf': {'GET': 'dddddaaaa'},
    'api:controlled-entry-reverse': {'POST': 'dddddaaah'},
    'api:controlled-inventory-csv': {'GET': 'dddddaaah'},
    'api:controlled-inventory-detail': {'GET': 'dddddaaah'},
    'api:controlled-inventory-list': {'GET': 'dddddaaaa', 'POST': 'dddddaaaa'},
    'api:controlled-inventory-pdf': {'GET': 'dddddaaah'},
    'api:controlled-lot-count': {'POST': 'dddddaaah'},
    'api:controlled-lot-detail': {'GET': 'dddddaaah'},
    'api:controlled-lot-entries': {'GET': 'dddddaaah'},
    'api:controlled-lot-list': {'GET': 'dddddaaaa', 'POST': 'dddddaaaa'},
    'api:controlled-lot-record': {'POST': 'dddddaaah'},
    'api:controlled-notice-acknowledge': {'POST': 'dddddhhah'},
    'api:controlled-notice-detail': {'GET': 'dddddhhah'},
    'api:controlled-notice-list': {'GET': 'dddddaaaa'},
    'api:controlled-product-detail': {'GET': 'dddddaaah'},
    'api:controlled-product-list': {'GET': 'dddddaaaa', 'POST': 'dddddaaaa'},
    'api:measure-detail': {'GET': 'dahahahah'},
    'api:measure-due': {'GET': 'daaaaaaaa'},
    'api:measure-list': {'GET': 'daaaaaaaa', 'POST': 'daaaaaaaa'},
    'api:measure-summary': {'GET': 'daaaaaaaa'},
    'api:my-record-fhir': {'GET': 'daadddddd'},
    'api:my-record-pdf': {'GET': 'daadddddd'},
    'api:note-addenda': {'GET': 'dahahahah', 'POST': 'dddahahdd'},
    'api:note-detail': {'GET': 'dahahahah', 'PATCH': 'dddahahdd', 'PUT': 'dddahahdd'},
    'api:note-list': {'GET': 'daaaaaaaa', 'POST': 'dddaaaadd'},
    'api:note-pdf': {'GET': 'dahahahah'},
    'api:note-release': {'POST': 'dddahahdd'},
    'api:note-sign': {'POST': 'dddahahdd'},
    'api:note-template-detail': {'GET': 'dddaaaaah'},
    'api:note-template-list': {'GET': 'dddaaaaaa'},
    'api:note-withhold': {'POST': 'dddahahdd'},
    'api:package-detail': {'GET': 'dahddddah'},
    'api:package-list': {'GET': 'daaddddaa', 'POST': 'dddddddaa'},
    'api:patient-care-team': {'POST': 'dddddddah'},
    'api:patient-deactivate': {'POST': 'dddddddah'},
    'api:patient-detail': {'GET': 'dahahahah', 'PATCH': 'dddddddah', 'PUT': 'dddddddah'},
    'api:patient-diagnoses': {'POST': 'dddahahah'},
    'api:patient-list': {'GET': 'daaaaaaaa', 'POST': 'dddddddaa'},
    'api:patient-reactivate': {'POST': 'dddddddah'},
    'api:patient-record-fhir': {'GET': 'dddddddah'},
    'api:patient-record-pdf': {'GET': 'dddddddah'},
    'api:payment-allocate': {'POST': 'dddddddah'},
    'api:payment-detail': {'GET': 'dahddddah'},
    'api:payment-list': {'GET': 'daaddddaa', 'POST': 'dddddddaa'},
    'api:psychotherapy-note-detail': {'GET': 'dhhahhhhh', 'PATCH': 'dddahhhdd', 'PUT': 'dddahhhdd'},
    'api:psychotherapy-note-list': {'GET': 'daaaaaaaa', 'POST': 'dddaaaadd'},
    'api:reminder-detail': {'GET': 'dahddddah'},
    'api:reminder-list': {'GET': 'daaddddaa'},
    'api:reminder-resend': {'POST': 'dddddddah'},
    'api:retreat-cancel-enrollment': {'POST': 'dddddddah'},
    'api:retreat-detail': {'DELETE': 'dddddddaa', 'GET': 'daaaaaaah', 'PATCH': 'dddddddah', 'PUT': 'dddddddah'},
    'api:retreat-enrollments': {'GET': 'daaaaaaah', 'POST': 'dddddddah'},
    'api:retreat-generate-timetable': {'POST': 'dddddddah'},
    'api:retreat-list': {'GET': 'daaaaaaaa', 'POST': 'dddddddaa'},
    'api:retreat-template': {'PUT': 'dddddddah'},
    'api:risk-assessment-detail': {'GET': 'dddahahah'},
    'api:risk-assessment-list': {'GET': 'dddaaaaaa', 'POST': 'dddaaaadd'},
    'api:risk-assessment-questions': {'GET': 'dddaaaaaa'},
    'api:room-detail': {'DELETE': 'dddddddah', 'GET': 'dddaaaaah', 'PATCH': 'dddddddah', 'PUT': 'dddddddah'},
    'api:room-list': {'GET': 'dddaaaaaa', 'POST': 'dddddddaa'},
    'api:safety-alert-acknowledge': {'POST': 'dddaaaadd'},
    'api:safety-alert-detail': {'GET': 'dddahahah'},
    'api:safety-alert-list': {'GET': 'dddaaaaaa'},
    'api:safety-plan-detail': {'GET': 'dahahahah'},
    'api:safety-plan-list': {'GET': 'daaaaaaaa', 'POST': 'dddaaaadd'},
    'api:screening-checklist': {'GET': 'daaaaaaaa'},
    'api:screening-detail': {'GET': 'dahahahah'},
    'api:screening-list': {'GET': 'daaaaaaaa', 'POST': 'dddaaaadd'},
    'api:screening-sign-off': {'POST': 'dddddaadd'},
    'api:session-adverse-events': {'POST': 'dddddahdd'},
    'api:session-cancel': {'POST': 'dddddddah'},
    'api:session-check-in': {'POST': 'dddahahah'},
    'api:session-complete': {'POST': 'dddahahah'},
    'api:session-detail': {'GET': 'dahahahah'},
    'api:session-discharge': {'POST': 'dddddahdd'},
    'api:session-dosing': {'GET': 'dahahahah', 'POST': 'dddddahdd'},
    'api:session-free-slots': {'GET': 'dddaaaaaa'},
    'api:session-list': {'GET': 'daaaaaaaa', 'POST': 'dddaaaaaa'},
    'api:session-no-show': {'POST': 'dddahahah'},
    'api:session-observations': {'POST': 'dddddahdd'},
    'api:session-rems-form': {'GET': 'dddddhhhh'},
    'api:session-reschedule': {'POST': 'dddddddah'},
    'api:session-vitals': {'GET': 'dahahahah', 'POST': 'dddddahdd'},
    'api:superbill-correct': {'POST': 'dddddddaa'},
    'api:superbill-detail': {'GET': 'dahddddah'},
    'api:superbill-list': {'GET': 'daaddddaa', 'POST': 'dddddddaa'},
    'api:superbill-pdf': {'GET': 'dahddddah'},
    'api:superbill-void': {'POST': 'dddddddaa'},
    'api:treatment-plan-activate': {'POST': 'dddddahdd'},
    'api:treatment-plan-complete': {'POST': 'dddahahdd'},
    'api:treatment-plan-detail': {'GET': 'dahahahah'},
    'api:treatment-plan-discontinue': {'POST': 'dddahahdd'},
    'api:treatment-plan-list': {'GET': 'daaaaaaaa', 'POST': 'dddaaaadd'},
    'api:treatment-plan-maintenance': {'POST': 'dddahahdd'},
    'api:treatment-plan-target': {'POST': 'dddddaadd'},
    'audit-trail': {'GET': 'dddddddaa'},
    'billing:home': {'GET': 'dddddddaa', 'POST': 'dddddddaa'},
    'billing:ledger': {'GET': 'dddddddah', 'POST': 'dddddddah'},
    'billing:portal-superbills': {'GET': 'daadddddd'},
    'billing:run': {'GET': 'dddddddah'},
    'billing:superbill-pdf': {'GET': 'dahddddah'},
    'controlled:count-detail': {'GET': 'dddddaaah', 'POST': 'dddddaaah'},
    'controlled:count-list': {'GET': 'dddddaaaa'},
    'controlled:count-record': {'GET': 'dddddaaah', 'POST': 'dddddaaah'},
    'controlled:dosing-waste': {'GET': 'dddddahah', 'POST': 'dddddahah'},
    'controlled:entry-record': {'GET': 'dddddaaah', 'POST': 'dddddaaah'},
    'controlled:entry-reverse': {'GET': 'dddddaaah', 'POST': 'dddddaaah'},
    'controlled:inventory-create': {'GET': 'dddddaaaa', 'POST': 'dddddaaaa'},
    'controlled:inventory-detail': {'GET': 'dddddaaah'},
    'controlled:inventory-file': {'GET': 'dddddaaah'},
    'controlled:inventory-list': {'GET': 'dddddaaaa'},
    'controlled:lot-detail': {'GET': 'dddddaaah'},
    'controlled:lot-receive': {'GET': 'dddddaaaa', 'POST': 'dddddaaaa'},
    'controlled:notice-acknowledge': {'GET': 'dddddhhah', 'POST': 'dddddhhah'},
    'controlled:product-create': {'GET': 'dddddaaaa', 'POST': 'dddddaaaa'},
    'controlled:registration': {'GET': 'dddddddaa', 'POST': 'dddddddaa'},
    'controlled:reports': {'GET': 'dddddaaaa', 'POST': 'dddddaaaa'},
    'controlled:stock': {'GET': 'dddddaaaa'},
    'home': {'GET': 'daaaaaaaa'},
    'login': {'GET': 'aaaaaaaaa', 'POST': 'aaaaaaaaa'},
    'logout': {'POST': 'ddddddddd'},
    'messaging:delivery-log': {'GET': 'dddddddaa'},
    'messaging:preferences': {'GET': 'daadddddd', 'POST': 'daadddddd'},
    'messaging:reminder-resend': {'POST': 'dddddddah'},
    'notes:addendum-create': {'POST': 'dddahahdd'},
    'notes:note-autosave': {'POST': 'dddahahdd'},
    'notes:note-detail': {'GET': 'dddahahah', 'POST': 'dddahahah'},
    'notes:note-list': {'GET': 'dddaaaaaa'},
    'notes:note-pdf': {'GET': 'dahahahah'},
    'notes:note-release': {'POST': 'dddahahdd'},
    'notes:note-sign': {'POST': 'dddahahdd'},
    'notes:note-withhold': {'POST': 'dddahahdd'},
    'notes:psychotherapy-note-create': {'GET': 'dddhhhhdd', 'POST': 'dddhhhhdd'},
    'notes:psychotherapy-note-detail': {'GET': 'dhhahhhhh', 'POST': 'dhhahhhhh'},
    'notes:psychotherapy-note-list': {'GET': 'dddaaaadd'},
    'notes:session-note': {'GET': 'dddahahah', 'POST': 'dddhhhhhh'},
    'notes:session-summary': {'POST': 'dddahahdd'},
    'practice:alert-list': {'GET': 'dddaaaaaa', 'POST': 'dddhhhhdd'},
    'practice:care-team-add': {'POST': 'dddddddah'},
    'practice:care-team-remove': {'POST': 'dddddddah'},
    'practice:clinic-overview': {'GET': 'dddddddaa'},
    'practice:clinical-settings': {'GET': 'dddddddaa', 'POST': 'dddddddaa'},
    'practice:cycle-worklist': {'GET': 'dddaaaaaa'},
    'practice:dashboard': {'GET': 'dddaaaaaa'},
    'practice:diagnosis-add': {'POST': 'dddahahah'},
    'practice:diagnosis-remove': {'POST': 'dddahahah'},
    'practice:measure-enter': {'GET': 'dddahahah', 'POST': 'dddahahah'},
    'practice:patient-create': {'GET': 'dddddddaa', 'POST': 'dddddddaa'},
    'practice:patient-deactivate': {'POST': 'dddddddah'},
    'practice:patient-detail': {'GET': 'dddahahah'},
    'practice:patient-edit': {'GET': 'dddddddah', 'POST': 'dddddddah'},
    'practice:patient-list': {'GET': 'dddaaaaaa'},
    'practice:patient-reactivate': {'POST': 'dddddddah'},
    'practice:plan-create': {'GET': 'ddhahahdh', 'POST': 'ddhahahdh'},
    'practice:plan-detail': {'GET': 'dddahahah', 'POST': 'ddddhdhdh'},
    'practice:portal': {'GET': 'daadddddd'},
    'practice:portal-questionnaire': {'GET': 'daadddddd', 'POST': 'daadddddd'},
    'practice:risk-assessment-create': {'GET': 'ddhahahdh', 'POST': 'ddhahahdh'},
    'practice:safety-plan-edit': {'GET': 'ddhahahdh', 'POST': 'ddhahahdh'},
    'practice:screening-create': {'GET': 'ddhahahdh', 'POST': 'ddhahahdh'},
    'practice:screening-detail': {'GET': 'dddahahah', 'POST': 'ddddhahdh'},
    'practice:session-confirm': {'GET': 'dddahahah'},
    'practice:session-create': {'GET': 'ddhahahah', 'POST': 'ddhahahah'},
    'practice:session-detail': {'GET': 'dddahahah', 'POST': 'ddddhdhdh'},
    'practice:session-rems-form': {'GET': 'dddddhhhh'},
    'practice:session-vitals-chart': {'GET': 'dddhhhhhh'},
    'records:my-fhir': {'GET': 'daadddddd'},
    'records:my-pdf': {'GET': 'daadddddd'},
    'records:patient-fhir': {'GET': 'dddddddah'},
    'records:patient-pdf': {'GET': 'dddddddah'},
    'scheduling:book': {'GET': 'dddddddaa', 'POST': 'dddddddaa'},
    'scheduling:calendar': {'GET': 'dddaaaaaa'},
    'scheduling:enrollment-cancel': {'GET': 'dddddddah', 'POST': 'dddddddah'},
    'scheduling:exception-create': {'GET': 'dddddddaa', 'POST': 'dddddddaa'},
    'scheduling:exception-delete': {'GET': 'dddddddah', 'POST': 'dddddddah'},
    'scheduling:exception-edit': {'GET': 'dddddddah', 'POST': 'dddddddah'},
    'scheduling:exception-list': {'GET': 'dddddddaa'},
    'scheduling:feed': {'GET': 'aaaaaaaaa'},
    'scheduling:feed-issue': {'POST': 'daaaaaaaa'},
    'scheduling:retreat-create': {'GET': 'dddddddaa', 'POST': 'dddddddaa'},
    'scheduling:retreat-detail': {'GET': 'dddaaaaah', 'POST': 'dddhhhhah'},
    'scheduling:retreat-list': {'GET': 'dddaaaaaa'},
    'scheduling:retreat-roster': {'GET': 'dddddddah', 'POST': 'dddddddah'},
    'scheduling:session-manage': {'GET': 'dddddddah', 'POST': 'dddddddah'},
    'scheduling:session-response': {'GET': 'aaaaaaaaa', 'POST': 'aaaaaaaaa'},
    'scheduling:slots': {'GET': 'dddaaaaaa'},
    'schema': {'GET': 'dddaaaaaa'},
}
# fmt: on

# Routes whose behaviour another change fixes: (route, method, persona) -> reason. The cell
# in EXPECTED is the behaviour after the fix; until it lands the mismatch is reported as
# expected, and once it lands the entry must go (strict).
KNOWN_BROKEN: dict[tuple[str, str, str], str] = {}


# ---------------------------------------------------------------------------------------
# The routes
# ---------------------------------------------------------------------------------------


def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, route, pattern


FUNCTION_VIEW_METHODS = {
    "home": ["get"],
    "accounts:otp-verify": ["get", "post"],
    "accounts:otp-enrol": ["get", "post"],
    "accounts:security": ["get"],
    "accounts:recovery-codes": ["post"],
    "accounts:otp-disable": ["post"],
    "accounts:token-create": ["post"],
    "accounts:token-revoke": ["post"],
    "scheduling:feed": ["get"],
    "scheduling:session-response": ["get", "post"],
}


def _methods(name, pattern) -> list[str]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        # A viewset route maps the methods its class may refuse (`http_method_names`).
        allowed = callback.cls.http_method_names
        return sorted(method for method in actions if method in allowed)
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        # The Django admin's views are functions behind its own login: asked with GET.
        return ["get"] if name.startswith("admin:") else FUNCTION_VIEW_METHODS[name]
    methods = []
    for method in ("get", "post", "put", "patch", "delete"):
        handler = getattr(view_class, method, None)
        if handler is None or method not in view_class.http_method_names:
            continue
        # A form view's PUT is its POST under another name: asked once, as POST.
        if method == "put" and handler is ProcessFormView.put:
            continue
        methods.append(method)
    return methods


def routes():
    """(name, route, methods) for every URL pattern, the format-suffix twins aside (the
    same view with `.json` appended)."""
    found = []
    for name, route, pattern in _walk(get_resolver()):
        if "(?P<format>" in route or "<drf_format_suffix:format>" in route:
            continue
        found.append((name, route, _methods(name, pattern)))
    return found


# ---------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------


def _objects(*, clinic, patient, therapist, medical, admin, note_content=None, body="Private."):
    """One object of each kind belonging to `patient` (or to `clinic`)."""
    from billing.models import BulkIssueRun, Charge, Package, Payment, ServiceCode
    from controlled.models import Inventory, LedgerEntry, LossNotice, PhysicalCount
    from integration_notes.models import NoteTemplate, PsychotherapyNote
    from messaging.models import Reminder
    from practice.models import Diagnosis, RiskAssessment, SafetyAlert, SafetyPlan
    from scheduling.models import AvailabilityException, CalendarFeed, Enrollment
    from scheduling.services.reminders import session_response_link

    now = timezone.now()
    today = clinic.today()
    o = {"clinic": clinic, "patient": patient, "staff": therapist}
    o["diagnosis"] = Diagnosis.objects.filter(patient=patient).first() or Diagnosis.objects.create(
        patient=patient, code="F41.1", description="Generalized anxiety disorder", rank=1
    )
    o["screening"] = ScreeningFactory(patient=patient, screened_by=medical)
    o["plan"] = TreatmentPlanFactory(patient=patient)
    o["session"] = SessionFactory(patient=patient, clinician=therapist)
    dose = DosingRecordFactory(
        session__patient=patient, session__clinician=medical, administered_by=medical,
        session__starts_at=now.replace(microsecond=0) + datetime.timedelta(days=3),
    )  # fmt: skip
    o["dosing"] = dose
    o["dosing_session"] = dose.session
    o["measure"] = MeasureResponseFactory(patient=patient)
    o["alert"] = SafetyAlert.objects.create(
        clinic=clinic, patient=patient, kind="vitals", severity="warning",
        message="Blood pressure above the limit.", raised_at=now,
    )  # fmt: skip
    o["risk"] = RiskAssessment.objects.create(
        clinic=clinic, patient=patient, answers={}, risk_level="low",
        formulation="Low risk.", assessed_by=therapist, assessed_at=now,
    )  # fmt: skip
    o["safety_plan"] = SafetyPlan.objects.create(
        clinic=clinic, patient=patient, version=1, warning_signs="Sleeplessness",
        coping_strategies="Walk", social_distractions="Cafe", people_to_ask="Sister",
        professionals="Clinic line", environment_safety="Locked cabinet",
        written_by=therapist, written_at=now,
    )  # fmt: skip
    RegistrationFactory(clinic=clinic)
    o["product"] = ProductFactory(clinic=clinic)
    o["lot"] = receive_lot(product=o["product"], received_by=medical, containers=2)
    o["entry"] = LedgerEntry.objects.filter(lot=o["lot"]).first()
    o["count"] = PhysicalCount.objects.create(
        clinic=clinic, lot=o["lot"], counted_at=now, counted_units=Decimal("20"),
        counted_mg=Decimal("900"), ledger_balance_mg=Decimal("1000"), counted_by=medical,
        second_counter=admin, status="open",
    )  # fmt: skip
    o["inventory"] = Inventory.objects.create(
        clinic=clinic, kind="initial", taken_on=today, time_of_day="opening",
        taken_by=medical, second_counter=admin,
    )  # fmt: skip
    o["notice"] = LossNotice.objects.create(clinic=clinic, entry=o["entry"], recipient=admin)
    o["reminder"] = Reminder.objects.create(
        clinic=clinic, patient=patient, kind="session_48h", channel="email",
        target_type="session", target_id=str(o["session"].pk), send_at=now,
    )  # fmt: skip
    o["room"] = RoomFactory(clinic=clinic)
    o["retreat"] = RetreatFactory(clinic=clinic)
    o["enrollment"] = Enrollment.objects.create(
        clinic=clinic, retreat=o["retreat"], patient=patient, status="enrolled"
    )
    o["note"] = signed_note(o["session"], content=note_content)
    o["note_template"] = NoteTemplate.objects.filter(clinic=clinic).first()
    o["psychotherapy_note"] = PsychotherapyNote.objects.create(
        clinic=clinic, patient=patient, author=therapist, session=o["session"], body=body
    )
    code = ServiceCode.objects.create(
        clinic=clinic, code="90837", description="Psychotherapy, 60 minutes", fee=Decimal("180")
    )
    o["charge"] = Charge.objects.create(
        clinic=clinic, patient=patient, service_code=code, code="90837",
        description="Psychotherapy, 60 minutes", date_of_service=today - datetime.timedelta(1),
        place_of_service="11", unit_fee=Decimal("180"), amount=Decimal("180"),
        diagnosis_pointers=[1],
        rendering_provider=therapist,
    )  # fmt: skip
    o["package"] = Package.objects.create(
        clinic=clinic, patient=patient, kind="prepaid", name="Six sessions",
        price=Decimal("900"), sessions_included=6,
    )  # fmt: skip
    o["payment"] = Payment.objects.create(
        clinic=clinic, patient=patient, method="cash", amount=Decimal("50"), received_on=today
    )
    from billing.services.charges import charge_approve
    from billing.services.superbills import superbill_issue

    charge_approve(charge=o["charge"], approved_by=admin)
    o["superbill"] = superbill_issue(
        patient=patient, charge_ids=[o["charge"].pk], issued_by=admin, notify=False
    )
    o["feed"] = CalendarFeed.objects.create(clinic=clinic, patient=patient)
    o["exception"] = AvailabilityException.objects.create(
        clinic=clinic, clinician=therapist, kind="time_off", reason="Leave",
        starts_on=today + datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=31),
    )  # fmt: skip
    o["run"] = BulkIssueRun.objects.create(
        clinic=clinic, month=today.replace(day=1), started_by=admin
    )
    o["response_token"] = session_response_link(session=o["session"]).rstrip("/").split("/")[-1]
    return o


def _plant(clinic, value):
    """Write `value` into every free-text field of every row of `clinic` (the structural
    ones aside: codes, tokens, hashes, time zones, short codes)."""
    skip = {"timezone", "token", "content_hash", "pdf_sha256", "search_text", "number"}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if model._meta.label == "practice.Clinic":
            rows = model.objects.filter(pk=clinic.pk)
        elif "clinic" in names:
            rows = model.objects.filter(clinic=clinic)
        else:
            continue
        for field in model._meta.concrete_fields:
            if type(field) not in (models.CharField, models.TextField) and not (
                isinstance(field, models.TextField) and field.name == "body"
            ):
                continue
            if field.choices or field.unique or field.name in skip:
                continue
            if field.max_length is not None and field.max_length < len(value):
                continue
            if isinstance(field, models.TextField) and field.name == "body":
                for row in rows:  # an encrypted field: through the model
                    setattr(row, field.name, value)
                    row.save(update_fields=[field.name])
                continue
            try:  # append-only rows (the ledger) keep what they were written with
                with transaction.atomic():
                    rows.update(**{field.name: value})
            except (LedgerIsAppendOnly, DatabaseError):
                continue


def _note_content(value):
    from tests.factories import INTEGRATION_CONTENT

    return {key: value if key != "risk_level" else old for key, old in INTEGRATION_CONTENT.items()}


def build_world():
    """The shared personas, plus `medical_outsider`: a medical staff member of the clinic on
    no care team (kept out of tests/personas.py, where one more staff member would change
    other tests' counts)."""
    from accounts.services import api_token_create

    p = make_personas()
    p.medical_outsider = StaffFactory(
        clinic=p.clinic, role="medical", credentials="NP", npi="1234567893",
        user=UserFactory(username="mallory", first_name="Mallory", last_name="Medic"),
    )  # fmt: skip
    own = _objects(
        clinic=p.clinic, patient=p.patient, therapist=p.therapist, medical=p.medical,
        admin=p.admin, body=PSYNOTE,
    )  # fmt: skip
    # The other patient's note (her own session with her therapist, the outsider).
    from practice.models import CareTeam

    signed_note(
        SessionFactory(patient=p.other_patient, clinician=p.outsider),
        content=_note_content(OTHER),
    )
    foreign_therapist = StaffFactory(clinic=p.other_clinic, role="therapist", credentials="LPC")
    foreign_medical = StaffFactory(clinic=p.other_clinic, role="medical", credentials="MD")
    CareTeam.objects.create(patient=p.foreign_patient, staff=foreign_therapist, is_primary=True)
    CareTeam.objects.create(patient=p.foreign_patient, staff=foreign_medical)
    foreign = _objects(
        clinic=p.other_clinic, patient=p.foreign_patient, therapist=foreign_therapist,
        medical=foreign_medical, admin=p.other_admin, note_content=_note_content(FOREIGN),
        body=FOREIGN,
    )  # fmt: skip
    # An API token of each side's patient-facing account (the token pages' object).
    own["api_token"] = api_token_create(user=p.patient.user)[0]
    foreign["api_token"] = api_token_create(user=p.other_admin.user)[0]
    _plant(p.other_clinic, FOREIGN)
    from practice.models import Patient

    Patient.objects.filter(pk=p.foreign_patient.pk).update(
        legal_first_name=FOREIGN, legal_last_name=FOREIGN
    )
    return p, own, foreign


# URL keyword -> the object kind it names, per route (the default: `pk` by the route's
# resource).
PK_KIND = [
    (r"^api:patient-|^practice:patient-|^practice:(diagnosis|care-team|screening-create|"
     r"plan-create|session-create|measure-enter|risk-assessment-create|safety-plan-edit)|"
     r"^billing:ledger|^records:patient-", "patient"),
    (r"^scheduling:exception-", "exception"),
    (r"^billing:run$", "run"),
    (r"screening", "screening"),
    (r"treatment-plan|practice:plan-detail", "plan"),
    (r"^api:measure", "measure"),
    (r"safety-alert", "alert"),
    (r"risk-assessment", "risk"),
    (r"safety-plan", "safety_plan"),
    (r"controlled-product", "product"),
    (r"controlled-lot|controlled:(lot-detail|entry-record|count-record)", "lot"),
    (r"controlled-entry|controlled:entry-reverse", "entry"),
    (r"controlled-count|controlled:count-detail", "count"),
    (r"controlled-inventory|controlled:inventory-", "inventory"),
    (r"controlled-notice|controlled:notice", "notice"),
    (r"reminder", "reminder"),
    (r"^api:room", "room"),
    (r"retreat|^scheduling:enrollment-cancel", "retreat"),
    (r"^api:session-(dosing|adverse-events|discharge|observations|vitals|rems-form)|"
     r"practice:session-rems-form", "dosing_session"),
    (r"session", "session"),
    (r"note-template", "note_template"),
    (r"psychotherapy-note", "psychotherapy_note"),
    (r"note", "note"),
    (r"charge", "charge"),
    (r"package", "package"),
    (r"payment", "payment"),
    (r"superbill", "superbill"),
]  # fmt: skip


def _kind_for(name):
    for pattern, kind in PK_KIND:
        if re.search(pattern, name):
            return kind
    raise AssertionError(f"{name}: no object kind for its pk")


def url_kwargs(name, route, world):
    """The URL keywords of `route` filled from `world` (one side: own or foreign)."""
    keys = re.findall(r"\(\?P<(\w+)>|<(?:\w+:)?(\w+)>", route)
    keys = [a or b for a, b in keys]
    values = {}
    for key in keys:
        if name.startswith("admin:"):
            values[key] = {"app_label": "practice", "object_id": "1", "content_type_id": "1",
                           "url": "x"}.get(key, "1")  # fmt: skip
        elif key == "pk":
            values[key] = world[_kind_for(name)].pk
        elif key == "diagnosis_pk":
            values[key] = world["diagnosis"].pk
        elif key == "staff_pk":
            values[key] = world["staff"].pk
        elif key in ("enrollment_id", "enrollment"):
            values[key] = world["enrollment"].pk
        elif key == "uid":
            values[key] = world["api_token"].uid
        elif key == "dosing_pk":
            values[key] = world["dosing"].pk
        elif key == "action":
            values[key] = "complete"
        elif key == "instrument":
            values[key] = "gad7"
        elif key == "kind":
            values[key] = "waste"
        elif key == "fmt":
            values[key] = "csv"
        elif key == "token":
            values[key] = (
                world["feed"].token if name == "scheduling:feed" else world["response_token"]
            )
        else:
            raise AssertionError(f"{name}: no value for <{key}>")
    return values


def _fill(route, values):
    """The path of `route` with `values` in place of its keywords."""
    path = route
    for key, value in values.items():
        path = re.sub(rf"\(\?P<{key}>[^)]*\)|<(?:\w+:)?{key}>", str(value), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + path


def _has_kwargs(route):
    return bool(re.search(r"\(\?P<|<", route))


# ---------------------------------------------------------------------------------------
# Asking
# ---------------------------------------------------------------------------------------


def _query(name, world) -> dict:
    """The query string a GET of `name` needs to get past validation to the data."""
    today = world["clinic"].today()
    if name in ("api:measure-due", "api:measure-summary"):
        return {"patient": world["patient"].pk}
    if name in ("api:controlled-entry-log-csv", "api:controlled-entry-log-pdf"):
        return {"start": today - datetime.timedelta(days=30), "end": today}
    if name == "api:session-free-slots":
        start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
        return {"start": start.isoformat(), "end": (start + datetime.timedelta(days=2)).isoformat(),
                "minutes": 60, "room": "any"}  # fmt: skip
    return {}



def classify(response, method) -> str:
    status = response.status_code
    if status in (401, 403):
        return "d"
    if status in (301, 302, 303) and response.get("Location", "").split("?")[0].endswith(
        (resolve_url(settings.LOGIN_URL), "/admin/login/")
    ):
        return "d"
    if status == 404:
        return "h"
    if status >= 500:
        return f"E{status}"
    if status == 405:
        return "M405"
    if status < 400 or (method != "get" and status in (400, 409)):
        return "a"
    return f"?{status}"


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _fingerprint():
    """The rows the project's tables have had written so far (one query): inserted,
    updated or deleted, in this transaction (PostgreSQL) or this connection (SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = "|".join(sorted(PROJECT_APPS))
            cursor.execute(
                "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
                " WHERE relname ~ %s AND n_tup_ins + n_tup_upd + n_tup_del > 0",
                [f"^({tables})_"],
            )
            return dict(cursor.fetchall())
        cursor.execute("SELECT total_changes()")
        return {"rows": cursor.fetchone()[0]}


def test_every_route_has_an_authorization_entry():
    missing = sorted(
        f"{name} {method.upper()}"
        for name, _route, methods in routes()
        if not name.startswith("admin:")
        for method in methods
        if method.upper() not in EXPECTED.get(name, {})
    )
    assert not missing, "new route without an authorization entry: " + ", ".join(missing)


# MATRIX_RECORD=FILE writes the outcomes seen (the patient's side) to FILE, as a draft of
# EXPECTED for a new route: each cell still needs a reader's judgement.
RECORDING = os.environ.get("MATRIX_RECORD")
TOKEN_ROUTES = {"scheduling:feed", "scheduling:session-response"}


def expected_for(name, method, persona, side) -> str:
    row = _p(EXPECTED[name][method.upper()])
    if side == "own" or name in TOKEN_ROUTES:
        return row[PERSONAS.index(persona)]
    if persona == "other_admin":
        return row[PERSONAS.index("admin")]
    return "d" if row[PERSONAS.index(persona)] == "d" else "h"


class _Rollback(Exception):
    pass


def test_the_authorization_matrix(web_as, api_as):
    people, own, foreign = build_world()
    person = {name: getattr(people, name) for name in PERSONAS if name != "anonymous"}
    session_cookie = settings.SESSION_COOKIE_NAME
    all_routes = routes()
    failures, known, observed, asked, spent = [], [], {}, 0, {}
    write_order = {"get": 0, "post": 1, "put": 1, "patch": 1, "delete": 2}

    for persona in PERSONAS:
        anonymous = persona == "anonymous"
        web = Client() if anonymous else web_as(person[persona])
        api = APIClient() if anonymous else api_as(person[persona])
        for name, route, methods in all_routes:
            admin_site = name.startswith("admin:")
            if admin_site:
                methods = ["get"]
            elif name not in EXPECTED and not RECORDING:
                continue  # reported by test_every_route_has_an_authorization_entry
            sides = ["own", "foreign"] if _has_kwargs(route) and not admin_site else ["own"]
            for method in sorted(methods, key=write_order.get):
                for side in sides:
                    world = own if side == "own" else foreign
                    path = _fill(route, url_kwargs(name, route, world))
                    client = api if route.startswith("api/v1/") else web
                    started = time.perf_counter()
                    before = None if method == "get" else _fingerprint()
                    try:
                        with transaction.atomic():
                            if client is api and method == "get":
                                response = api.get(path, _query(name, world))
                            elif client is api:
                                response = getattr(api, method)(path, {}, format="json")
                            elif method == "get":
                                response = web.get(path, _query(name, world))
                            else:
                                response = web.generic(
                                    method.upper(), path, "",
                                    "application/x-www-form-urlencoded",
                                )  # fmt: skip
                            got = classify(response, method)
                            body = _body(response)
                            after = None if method == "get" else _fingerprint()
                            raise _Rollback
                    except _Rollback:
                        pass
                    asked += 1
                    spent[name] = spent.get(name, 0) + time.perf_counter() - started
                    if not anonymous and not web.cookies.get(session_cookie, None):
                        web = web_as(person[persona])  # a logout route ended the session
                    elif not anonymous and not web.cookies[session_cookie].value:
                        web = web_as(person[persona])
                    if side == "own" and not admin_site:
                        observed.setdefault(name, {}).setdefault(method.upper(), {})[persona] = got
                    if admin_site:
                        want = "a" if name in ("admin:login", "admin:logout") else "d"
                    elif name in EXPECTED and method.upper() in EXPECTED[name]:
                        want = expected_for(name, method, persona, side)
                    else:
                        want = "?"
                    where = f"{method.upper()} {path} as {persona} ({name}, {side})"
                    if got != want:
                        reason = KNOWN_BROKEN.get((name, method.upper(), persona))
                        (known if reason else failures).append(
                            f"{where}: expected {want}, got {got} {response.status_code}"
                        )
                    if got in ("d", "h") and before != after:
                        changed = {k for k in after if before.get(k) != after[k]}
                        failures.append(f"{where}: refused but changed {sorted(changed)}")
                    for sentinel, allowed in MAY_SEE.items():
                        # A token route's token is the credential: whoever holds the foreign
                        # one is its patient (what it shows is checked in scheduling's tests).
                        if name in TOKEN_ROUTES and side == "foreign":
                            continue
                        if sentinel in body and persona not in allowed:
                            failures.append(f"{where}: the response shows {sentinel}")
    if RECORDING:
        with open(RECORDING, "w") as out:
            for name in sorted(observed):
                cells = {
                    m: "".join(observed[name][m].get(p, "?") for p in PERSONAS)
                    for m in sorted(observed[name])
                }
                out.write(f"    {name!r}: {cells!r},\n")
        with open(RECORDING + ".failures", "w") as out:
            out.write("\n".join(failures) + "\n")
            for name in sorted(spent, key=spent.get, reverse=True)[:25]:
                out.write(f"{spent[name]:.2f}s {name}\n")
    print(f"matrix: {asked} requests")
    assert not failures, f"{len(failures)} of {asked} cells wrong:\n" + "\n".join(failures)
    stale = [k for k, _ in KNOWN_BROKEN.items()]
    assert len(known) >= len(stale) or not stale, "a known-broken cell now passes: remove it"
