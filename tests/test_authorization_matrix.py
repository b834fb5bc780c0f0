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
is hidden from everyone its own admin is not (denied may stay denied: a view that checks
the role after the object answers 404, a refusal just the same).

Out-of-reach data carries a sentinel in every text field: the other clinic (all of it),
the other patient's notes, the psychotherapy note. No response body of a persona that
may not see it may contain it.

The world is built once and every request of a write runs in a transaction that is rolled
back, so one test walks the whole matrix and reports every mismatch at once.
"""

import datetime
import os
import re
import secrets
import time
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
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
PROJECT_APPS = {
    "practice", "controlled", "messaging", "scheduling", "integration_notes", "billing",
    "onboarding",
}  # fmt: skip


def _p(spec: str) -> str:
    spec = spec.replace(" ", "")
    assert len(spec) == len(PERSONAS), spec
    return spec


# ---------------------------------------------------------------------------------------
# The expected outcomes: route name -> {method: one letter per persona}
# ---------------------------------------------------------------------------------------
# anonymous | patient other_patient | therapist outsider | medical medical_outsider |
# admin other_admin. Reviewed against the access rules (DESIGN.md, issue 15): patients see
# their own; clinicians their care team's (the outsiders: hidden); the ledger clinic-wide for
# medical staff and admins; billing and clinic settings for admins; psychotherapy notes their
# author only. A write that is `a` got past the permission check to validation (empty body).
# fmt: off
EXPECTED_TABLE = """
    accounts:otp-disable              POST   d aa aa aa aa
    accounts:otp-enrol                GET    d aa aa aa aa
    accounts:otp-enrol                POST   d aa aa aa aa
    accounts:otp-verify               GET    d aa aa aa aa
    accounts:otp-verify               POST   d aa aa aa aa
    accounts:password-change          GET    d aa aa aa aa
    accounts:password-change          POST   d aa aa aa aa
    accounts:recovery-codes           POST   d aa aa aa aa
    accounts:security                 GET    d aa aa aa aa
    accounts:token-create             POST   d aa aa aa aa
    accounts:token-revoke             POST   d ah hh hh ah
    api-docs                          GET    d dd aa aa aa
    api:api-root                      GET    d aa aa aa aa
    api:api-token                     POST   a aa aa aa aa  # signing in (an empty body: 400)
    api:api-token-record-detail       DELETE d ah hh hh ah
    api:api-token-record-list         GET    d aa aa aa aa
    api:consent-countersign           POST   d dd dd ah ah
    api:consent-detail                GET    d ah ah ah ah
    api:consent-list                  GET    d aa aa aa aa
    api:consent-pdf                   GET    d ah ah ah ah
    api:consent-revoke                POST   d ah dd ah ah  # the patient revokes her own
    api:consent-sign                  POST   d aa dd dd dd  # the patient signs, no one else
    api:consent-template-detail       GET    d dd aa aa ah
    api:consent-template-list         GET    d dd aa aa aa
    api:consent-template-list         POST   d dd dd dd aa
    api:consent-template-publish      POST   d dd dd dd ah
    api:booking-request-approve       POST   d dd dd dd ah  # admins decide
    api:booking-request-decline       POST   d dd dd dd ah
    api:booking-request-detail        GET    d ah dd dd ah
    api:booking-request-list          GET    d aa dd dd aa  # the patient's own; the queue
    api:booking-request-list          POST   d aa dd dd dd  # patients book themselves
    api:booking-request-withdraw      POST   d ah dd dd dd
    api:charge-approve                POST   d dd dd dd ah
    api:charge-detail                 GET    d ah dd dd ah
    api:charge-detail                 PATCH  d dd dd dd ah
    api:charge-list                   GET    d aa dd dd aa
    api:charge-list                   POST   d dd dd dd aa
    api:charge-suggest                POST   d dd dd dd aa
    api:charge-void                   POST   d dd dd dd ah
    api:clinical-settings-detail      GET    d dd aa aa aa
    api:clinical-settings-detail      PATCH  d dd dd dd aa
    api:controlled-count-detail       GET    d dd dd aa ah
    api:controlled-count-list         GET    d dd dd aa aa
    api:controlled-count-resolve      POST   d dd dd aa ah
    api:controlled-entry-detail       GET    d dd dd aa ah
    api:controlled-entry-list         GET    d dd dd aa aa  # the ledger: clinic-wide
    api:controlled-entry-log-csv      GET    d dd dd aa aa
    api:controlled-entry-log-pdf      GET    d dd dd aa aa
    api:controlled-entry-reverse      POST   d dd dd aa ah
    api:controlled-inventory-csv      GET    d dd dd aa ah
    api:controlled-inventory-detail   GET    d dd dd aa ah
    api:controlled-inventory-list     GET    d dd dd aa aa
    api:controlled-inventory-list     POST   d dd dd aa aa
    api:controlled-inventory-pdf      GET    d dd dd aa ah
    api:controlled-lot-count          POST   d dd dd aa ah
    api:controlled-lot-detail         GET    d dd dd aa ah
    api:controlled-lot-entries        GET    d dd dd aa ah
    api:controlled-lot-list           GET    d dd dd aa aa
    api:controlled-lot-list           POST   d dd dd aa aa
    api:controlled-lot-record         POST   d dd dd aa ah
    api:controlled-notice-acknowledge POST   d dd dd hh ah
    api:controlled-notice-detail      GET    d dd dd hh ah
    api:controlled-notice-list        GET    d dd dd aa aa
    api:controlled-product-detail     GET    d dd dd aa ah
    api:controlled-product-list       GET    d dd dd aa aa
    api:controlled-product-list       POST   d dd dd aa aa
    api:document-detail               GET    d ah ah ah ah
    api:document-download             GET    d ah ah ah ah
    api:document-list                 GET    d aa aa aa aa
    api:document-list                 POST   d aa aa aa aa  # an empty body: 400
    api:document-review               POST   d dd dd ah ah  # medical staff and admins
    api:document-withdraw             POST   d dd dd ah ah
    api:intake-detail                 GET    d dd ah ah ah
    api:intake-list                   GET    d dd aa aa aa
    api:intake-review                 POST   d dd dd ah dd  # medical staff only
    api:invitation-list               POST   d dd aa aa aa  # the service: admin or care team
    api:measure-detail                GET    d ah ah ah ah
    api:measure-due                   GET    d aa ah ah ah
    api:measure-list                  GET    d aa aa aa aa
    api:measure-list                  POST   d aa aa aa aa
    api:measure-summary               GET    d aa ah ah ah
    api:my-intake                     GET    d aa dd dd dd
    api:my-intake                     PATCH  d aa dd dd dd
    api:my-intake-submit              POST   d aa dd dd dd
    api:my-record-fhir                GET    d aa dd dd dd
    api:my-record-pdf                 GET    d aa dd dd dd
    api:note-addenda                  GET    d ah ah ah ah
    api:note-addenda                  POST   d dd ah ah dd
    api:note-detail                   GET    d ah ah ah ah
    api:note-detail                   PATCH  d dd ah ah dd
    api:note-detail                   PUT    d dd ah ah dd
    api:note-list                     GET    d aa aa aa aa
    api:note-list                     POST   d dd aa aa dd
    api:note-pdf                      GET    d ah ah ah ah
    api:note-release                  POST   d dd ah ah dd
    api:note-sign                     POST   d dd ah ah dd
    api:note-template-detail          GET    d dd aa aa ah
    api:note-template-list            GET    d dd aa aa aa
    api:note-withhold                 POST   d dd ah ah dd
    api:package-detail                GET    d ah dd dd ah
    api:package-list                  GET    d aa dd dd aa
    api:package-list                  POST   d dd dd dd aa
    api:patient-care-team             POST   d dd dd dd ah
    api:patient-deactivate            POST   d dd dd dd ah
    api:patient-detail                GET    d ah ah ah ah
    api:patient-detail                PATCH  d dd dd dd ah
    api:patient-detail                PUT    d dd dd dd ah
    api:patient-diagnoses             POST   d dd ah ah ah
    api:patient-list                  GET    d aa aa aa aa
    api:patient-list                  POST   d dd dd dd aa
    api:patient-reactivate            POST   d dd dd dd ah
    api:patient-record-fhir           GET    d dd dd dd ah
    api:patient-record-pdf            GET    d dd dd dd ah
    api:payment-allocate              POST   d dd dd dd ah
    api:payment-card-checkout         POST   d dd dd dd aa
    api:payment-detail                GET    d ah dd dd ah
    api:payment-list                  GET    d aa dd dd aa
    api:payment-list                  POST   d dd dd dd aa
    api:payment-refund                POST   d dd dd dd ah
    api:psychotherapy-note-detail     GET    d hh ah hh hh  # the author only, not even the admin
    api:psychotherapy-note-detail     PATCH  d dd ah hh dd
    api:psychotherapy-note-detail     PUT    d dd ah hh dd
    api:psychotherapy-note-list       GET    d aa aa aa aa  # scoped to the author: empty
    api:psychotherapy-note-list       POST   d dd aa aa dd
    api:reminder-detail               GET    d ah dd dd ah
    api:reminder-list                 GET    d aa dd dd aa
    api:reminder-resend               POST   d dd dd dd ah
    api:retreat-cancel-enrollment     POST   d dd dd dd ah
    api:retreat-detail                GET    d aa aa aa ah
    api:retreat-detail                PATCH  d dd dd dd ah
    api:retreat-detail                PUT    d dd dd dd ah
    api:retreat-enrollments           GET    d aa aa aa ah  # scoped: her own place only
    api:retreat-enrollments           POST   d dd dd dd ah
    api:retreat-generate-timetable    POST   d dd dd dd ah
    api:retreat-list                  GET    d aa aa aa aa
    api:retreat-list                  POST   d dd dd dd aa
    api:retreat-template              PUT    d dd dd dd ah
    api:risk-assessment-detail        GET    d dd ah ah ah
    api:risk-assessment-list          GET    d dd aa aa aa
    api:risk-assessment-list          POST   d dd aa aa dd
    api:risk-assessment-questions     GET    d dd aa aa aa
    api:room-detail                   DELETE d dd dd dd ah
    api:room-detail                   GET    d dd aa aa ah
    api:room-detail                   PATCH  d dd dd dd ah
    api:room-detail                   PUT    d dd dd dd ah
    api:room-list                     GET    d dd aa aa aa
    api:room-list                     POST   d dd dd dd aa
    api:safety-alert-acknowledge      POST   d dd ah ah dd
    api:safety-alert-detail           GET    d dd ah ah ah
    api:safety-alert-list             GET    d dd aa aa aa
    api:safety-plan-detail            GET    d ah ah ah ah
    api:safety-plan-list              GET    d aa aa aa aa
    api:safety-plan-list              POST   d dd aa aa dd
    api:screening-checklist           GET    d aa aa aa aa
    api:screening-detail              GET    d ah ah ah ah
    api:screening-list                GET    d aa aa aa aa
    api:screening-list                POST   d dd aa aa dd
    api:screening-sign-off            POST   d dd dd ah dd
    api:self-booking-slot-list        GET    d aa dd dd dd  # her care team's free slots
    api:session-adverse-events        POST   d dd dd ah dd
    api:session-cancel                POST   d dd dd dd ah
    api:session-check-in              POST   d dd ah ah ah
    api:session-complete              POST   d dd ah ah ah
    api:session-detail                GET    d ah ah ah ah
    api:session-discharge             POST   d dd dd ah dd
    api:session-dosing                GET    d ah ah ah ah
    api:session-dosing                POST   d dd dd ah dd
    api:session-free-slots            GET    d dd aa aa aa
    api:session-list                  GET    d aa aa aa aa
    api:session-list                  POST   d dd aa aa aa
    api:session-no-show               POST   d dd ah ah ah
    api:session-observations          POST   d dd dd ah dd
    api:session-rems-form             GET    d dd dd hh hh  # esketamine only (ketamine seeded)
    api:session-reschedule            POST   d dd dd dd ah
    api:session-vitals                GET    d ah ah ah ah
    api:session-vitals                POST   d dd dd ah dd
    api:claim-batch                   POST   d dd dd dd aa
    api:claim-cms1500                 GET    d dd dd dd ah
    api:claim-detail                  GET    d dd dd dd ah
    api:claim-list                    GET    d dd dd dd aa
    api:claim-list                    POST   d dd dd dd aa
    api:claim-remittance              POST   d dd dd dd aa
    api:claim-resubmit                POST   d dd dd dd ah
    api:claim-status                  POST   d dd dd dd ah
    api:estimate-detail               GET    d ah dd dd ah
    api:estimate-list                 GET    d aa dd dd aa
    api:estimate-list                 POST   d dd dd dd aa
    api:estimate-pdf                  GET    d ah dd dd ah
    api:superbill-correct             POST   d dd dd dd ah
    api:superbill-detail              GET    d ah dd dd ah
    api:superbill-list                GET    d aa dd dd aa
    api:superbill-list                POST   d dd dd dd aa
    api:superbill-pdf                 GET    d ah dd dd ah
    api:superbill-void                POST   d dd dd dd ah
    api:thread-clear-flag             POST   d dd ah ah ah
    api:thread-detail                 GET    d ah ah ah ah
    api:thread-list                   GET    d aa aa aa aa
    api:thread-list                   POST   d aa aa aa aa
    api:thread-messages               POST   d ah ah ah ah
    api:thread-read                   POST   d ah ah ah ah
    api:treatment-plan-activate       POST   d dd dd ah dd
    api:treatment-plan-complete       POST   d dd ah ah dd
    api:treatment-plan-detail         GET    d ah ah ah ah
    api:treatment-plan-discontinue    POST   d dd ah ah dd
    api:treatment-plan-list           GET    d aa aa aa aa
    api:treatment-plan-list           POST   d dd aa aa dd
    api:treatment-plan-maintenance    POST   d dd ah ah dd
    api:treatment-plan-target         POST   d dd dd ah dd
    audit-trail                       GET    d dd dd dd aa
    billing:claim                     GET    d dd dd dd ah
    billing:claim                     POST   d dd dd dd ah
    billing:claim-batch               POST   d dd dd dd aa  # none chosen: refused, back to list
    billing:claim-batch-file          GET    d dd dd dd ah
    billing:claim-cms1500             GET    d dd dd dd ah
    billing:claim-create              GET    d dd dd dd ah
    billing:claim-create              POST   d dd dd dd ah
    billing:claims                    GET    d dd dd dd aa
    billing:estimate-pdf              GET    d ah dd dd ah
    billing:home                      GET    d dd dd dd aa
    billing:home                      POST   d dd dd dd aa
    billing:ledger                    GET    d dd dd dd ah
    billing:ledger                    POST   d dd dd dd ah
    billing:portal-payments           GET    d aa dd dd dd  # card payments on (Stripe keys set)
    billing:portal-payments           POST   d aa dd dd dd
    billing:portal-superbills         GET    d aa dd dd dd
    billing:remittance                GET    d dd dd dd ah
    billing:remittance-upload         GET    d dd dd dd aa
    billing:remittance-upload         POST   d dd dd dd aa
    billing:run                       GET    d dd dd dd ah
    billing:stripe-webhook            POST   a aa aa aa aa  # the signature check answers (400)
    billing:superbill-pdf             GET    d ah dd dd ah
    controlled:count-detail           GET    d dd dd aa ah
    controlled:count-detail           POST   d dd dd aa ah
    controlled:count-list             GET    d dd dd aa aa
    controlled:count-record           GET    d dd dd aa ah
    controlled:count-record           POST   d dd dd aa ah
    controlled:dosing-waste           GET    d dd dd ah ah
    controlled:dosing-waste           POST   d dd dd ah ah
    controlled:entry-record           GET    d dd dd aa ah
    controlled:entry-record           POST   d dd dd aa ah
    controlled:entry-reverse          GET    d dd dd aa ah
    controlled:entry-reverse          POST   d dd dd aa ah
    controlled:inventory-create       GET    d dd dd aa aa
    controlled:inventory-create       POST   d dd dd aa aa
    controlled:inventory-detail       GET    d dd dd aa ah
    controlled:inventory-file         GET    d dd dd aa ah
    controlled:inventory-list         GET    d dd dd aa aa
    controlled:lot-detail             GET    d dd dd aa ah
    controlled:lot-receive            GET    d dd dd aa aa
    controlled:lot-receive            POST   d dd dd aa aa
    controlled:notice-acknowledge     GET    d dd dd hh ah  # to the admin it names
    controlled:notice-acknowledge     POST   d dd dd hh ah
    controlled:product-create         GET    d dd dd aa aa
    controlled:product-create         POST   d dd dd aa aa
    controlled:registration           GET    d dd dd dd aa
    controlled:registration           POST   d dd dd dd aa
    controlled:reports                GET    d dd dd aa aa
    controlled:reports                POST   d dd dd aa aa
    controlled:stock                  GET    d dd dd aa aa
    favicon                           GET    a aa aa aa aa
    home                              GET    d aa aa aa aa
    login                             GET    a aa aa aa aa
    login                             POST   a aa aa aa aa
    logout                            POST   d dd dd dd dd  # redirected to the login page
    messaging:delivery-log            GET    d dd dd dd aa
    messaging:inbox                   GET    d dd aa aa aa
    messaging:inbox-thread            GET    d dd ah ah ah
    messaging:inbox-thread            POST   d dd ah ah ah
    messaging:portal-messages         GET    d aa dd dd dd
    messaging:portal-thread           GET    d ah dd dd dd
    messaging:portal-thread           POST   d ah dd dd dd
    messaging:portal-thread-new       GET    d aa dd dd dd
    messaging:portal-thread-new       POST   d aa dd dd dd
    messaging:preferences             GET    d aa dd dd dd
    messaging:preferences             POST   d aa dd dd dd
    messaging:reminder-resend         POST   d dd dd dd ah
    messaging:thread-clear-flag       POST   d dd ah ah ah
    notes:addendum-create             POST   d dd ah ah dd
    notes:note-autosave               POST   d dd ah ah dd
    notes:note-detail                 GET    d dd ah ah ah
    notes:note-detail                 POST   d dd ah ah ah
    notes:note-list                   GET    d dd aa aa aa
    notes:note-pdf                    GET    d ah ah ah ah
    notes:note-release                POST   d dd ah ah dd
    notes:note-sign                   POST   d dd ah ah dd
    notes:note-withhold               POST   d dd ah ah dd
    notes:psychotherapy-note-create   GET    d dd hh hh dd
    notes:psychotherapy-note-create   POST   d dd hh hh dd
    notes:psychotherapy-note-detail   GET    d hh ah hh hh
    notes:psychotherapy-note-detail   POST   d hh ah hh hh
    notes:psychotherapy-note-list     GET    d dd aa aa dd
    notes:session-note                GET    d dd ah ah ah
    notes:session-note                POST   d dd hh hh hh
    notes:session-summary             POST   d dd ah ah dd
    onboarding:intake-detail          GET    d dd ah ah ah
    onboarding:intake-list            GET    d dd aa aa aa
    onboarding:intake-review          POST   d dd dh ah dh  # medical staff only
    onboarding:invitation-accept      GET    a aa aa aa aa  # the token is the credential
    onboarding:invitation-accept      POST   a aa aa aa aa
    onboarding:patient-invite         POST   d dd ah ah ah
    onboarding:portal-intake          GET    d aa dd dd dd
    onboarding:portal-intake-step     GET    d aa dd dd dd
    onboarding:portal-intake-step     POST   d aa dd dd dd
    onboarding:portal-intake-submit   POST   d aa dd dd dd
    practice:alert-list               GET    d dd aa aa aa
    practice:alert-list               POST   d dd hh hh dd
    practice:care-team-add            POST   d dd dd dd ah
    practice:care-team-remove         POST   d dd dd dd ah
    practice:clinic-overview          GET    d dd dd dd aa
    practice:clinical-settings        GET    d dd dd dd aa
    practice:clinical-settings        POST   d dd dd dd aa
    practice:my-signature             GET    d dd aa aa aa  # the staff member's own
    practice:my-signature             POST   d dd aa aa aa
    practice:staff-signature          GET    d dd dd dd ah  # a clinic admin, for its staff
    practice:staff-signature          POST   d dd dd dd ah
    practice:consent-countersign      POST   d dd dd ah ah
    practice:consent-detail           GET    d dd ah ah ah
    practice:consent-pdf              GET    d ah ah ah ah
    practice:consent-revoke           POST   d dd dd ah ah
    practice:consent-template-create  GET    d dd dd dd aa
    practice:consent-template-create  POST   d dd dd dd aa
    practice:consent-template-list    GET    d dd dd dd aa
    practice:consent-template-new-version GET  d dd dd dd ah
    practice:consent-template-new-version POST d dd dd dd ah
    practice:consent-template-publish POST   d dd dd dd ah
    practice:portal-consent-sign      GET    d aa dd dd dd  # the clinic's published template
    practice:portal-consent-sign      POST   d aa dd dd dd
    practice:portal-consents          GET    d aa dd dd dd
    practice:cycle-worklist           GET    d dd aa aa aa
    practice:dashboard                GET    d dd aa aa aa
    practice:diagnosis-add            POST   d dd ah ah ah
    practice:diagnosis-remove         POST   d dd ah ah ah
    practice:document-download        GET    d ah ah ah ah
    practice:document-review          POST   d dd dd ah ah
    practice:document-review-list     GET    d dd dd aa aa
    practice:document-upload          GET    d dh ah ah ah
    practice:document-upload          POST   d dh ah ah ah
    practice:document-withdraw        POST   d dd dd ah ah
    practice:measure-enter            GET    d dd ah ah ah
    practice:measure-enter            POST   d dd ah ah ah
    practice:patient-access           GET    d dd dd dd ah
    practice:patient-create           GET    d dd dd dd aa
    practice:patient-create           POST   d dd dd dd aa
    practice:patient-deactivate       POST   d dd dd dd ah
    practice:patient-detail           GET    d dd ah ah ah
    practice:patient-edit             GET    d dd dd dd ah
    practice:patient-edit             POST   d dd dd dd ah
    practice:patient-list             GET    d dd aa aa aa
    practice:patient-search           GET    d dd aa aa aa
    practice:patient-reactivate       POST   d dd dd dd ah
    practice:plan-create              GET    d dh ah ah dh
    practice:plan-create              POST   d dh ah ah dh
    practice:plan-detail              GET    d dd ah ah ah
    practice:plan-detail              POST   d dd dh dh dh
    practice:portal                   GET    d aa dd dd dd
    practice:portal-documents         GET    d aa dd dd dd
    practice:portal-documents         POST   d aa dd dd dd
    practice:portal-questionnaire     GET    d aa dd dd dd
    practice:portal-questionnaire     POST   d aa dd dd dd
    practice:risk-assessment-create   GET    d dh ah ah dh
    practice:risk-assessment-create   POST   d dh ah ah dh
    practice:safety-plan-edit         GET    d dh ah ah dh
    practice:safety-plan-edit         POST   d dh ah ah dh
    practice:screening-create         GET    d dh ah ah dh
    practice:screening-create         POST   d dh ah ah dh
    practice:screening-detail         GET    d dd ah ah ah
    practice:screening-detail         POST   d dd dh ah dh
    practice:session-confirm          GET    d dd ah ah ah
    practice:session-create           GET    d dh ah ah ah
    practice:session-create           POST   d dh ah ah ah
    practice:session-detail           GET    d dd ah ah ah
    practice:session-join             GET    d ah ah ah ah  # participants: redirect to the room
    practice:session-detail           POST   d dd dh dh dh
    practice:session-rems-form        GET    d dd dd hh hh  # esketamine only, as above
    practice:session-vitals-chart     GET    d dd ah ah ah
    records:my-fhir                   GET    d aa dd dd dd
    records:my-pdf                    GET    d aa dd dd dd
    records:patient-fhir              GET    d dd dd dd ah
    records:patient-pdf               GET    d dd dd dd ah
    scheduling:book                   GET    d dd dd dd aa
    scheduling:book                   POST   d dd dd dd aa
    scheduling:calendar               GET    d dd aa aa aa
    scheduling:booking-request-approve POST  d dd dd dd ah
    scheduling:booking-request-decline POST  d dd dd dd ah
    scheduling:booking-requests       GET    d dd dd dd aa  # the admins' queue
    scheduling:portal-book            GET    d aa dd dd dd
    scheduling:portal-book            POST   d aa dd dd dd
    scheduling:portal-booking-withdraw POST  d ah dd dd dd
    scheduling:self-booking-settings  GET    d dd dd dd aa
    scheduling:self-booking-settings  POST   d dd dd dd aa
    scheduling:enrollment-cancel      GET    d dd dd dd ah
    scheduling:enrollment-cancel      POST   d dd dd dd ah
    scheduling:exception-create       GET    d dd dd dd aa
    scheduling:exception-create       POST   d dd dd dd aa
    scheduling:exception-delete       GET    d dd dd dd ah
    scheduling:exception-delete       POST   d dd dd dd ah
    scheduling:exception-edit         GET    d dd dd dd ah
    scheduling:exception-edit         POST   d dd dd dd ah
    scheduling:exception-list         GET    d dd dd dd aa
    scheduling:feed                   GET    a aa aa aa aa  # the token is the credential
    scheduling:feed-issue             POST   d aa aa aa aa
    scheduling:retreat-create         GET    d dd dd dd aa
    scheduling:retreat-create         POST   d dd dd dd aa
    scheduling:retreat-detail         GET    d dd aa aa ah  # names: only visible patients
    scheduling:retreat-detail         POST   d dd hh hh ah
    scheduling:retreat-list           GET    d dd aa aa aa
    scheduling:retreat-roster         GET    d dd dd dd ah
    scheduling:timetable-run          GET    d dd dd dd ah
    scheduling:retreat-roster         POST   d dd dd dd ah
    scheduling:session-manage         GET    d dd dd dd ah
    scheduling:session-manage         POST   d dd dd dd ah
    scheduling:session-response       GET    a aa aa aa aa  # the token is the credential
    scheduling:session-response       POST   a aa aa aa aa
    scheduling:slots                  GET    d dd aa aa aa
    schema                            GET    d dd aa aa aa
"""
# fmt: on


def _table(text: str) -> dict[str, dict[str, str]]:
    expected: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, method, *cells = line.split()
            assert method not in expected.setdefault(name, {}), f"{name} {method} twice"
            expected[name][method] = _p("".join(cells))
    return expected


EXPECTED = _table(EXPECTED_TABLE)

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
    "favicon": ["get"],
    "scheduling:feed": ["get"],
    "scheduling:session-response": ["get", "post"],
    "billing:stripe-webhook": ["post"],
}


def _methods(name, pattern) -> list[str]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        # A viewset route maps the methods its class may refuse (`http_method_names`).
        # DRF adds "head" to a route's actions at its first GET (ViewSetMixin.as_view), so
        # what the dict holds depends on the tests run before: HEAD is GET's twin, not asked.
        allowed = set(callback.cls.http_method_names) - {"head", "options"}
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


def _objects(
    *, clinic, patient, therapist, medical, admin, note_content=None, body="Private.",
    thread_body="Private message.",
):  # fmt: skip
    """One object of each kind belonging to `patient` (or to `clinic`)."""
    from billing.models import BulkIssueRun, Charge, Package, Payment, ServiceCode
    from controlled.models import Inventory, LedgerEntry, LossNotice, PhysicalCount
    from integration_notes.models import NoteTemplate, PsychotherapyNote
    from messaging.models import Reminder, Thread, ThreadMessage
    from practice.models import Consent, Diagnosis, RiskAssessment, SafetyAlert, SafetyPlan
    from practice.services import document_upload
    from scheduling.models import (
        AvailabilityException,
        BookingRequest,
        CalendarFeed,
        Enrollment,
        TimetableRun,
    )
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
    o["video_session"] = SessionFactory(
        patient=patient, clinician=therapist, modality="video",
        video_room=secrets.token_urlsafe(24),
        starts_at=now.replace(microsecond=0) + datetime.timedelta(days=2),
    )  # fmt: skip
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
    o["thread"] = Thread.objects.create(
        clinic=clinic, patient=patient, subject="A question", created_by=therapist.user,
        last_message_at=now, flagged=True, flagged_at=now,
    )  # fmt: skip
    Thread.objects.filter(pk=o["thread"].pk).update(
        last_message=ThreadMessage.objects.create(
            thread=o["thread"],
            author=therapist.user,
            author_staff=therapist,
            body=thread_body,
            sent_at=now,
        )
    )
    o["room"] = RoomFactory(clinic=clinic)
    starts = now.replace(microsecond=0) + datetime.timedelta(days=4)
    o["booking_request"] = BookingRequest.objects.create(
        clinic=clinic, patient=patient, clinician=therapist, kind="integration",
        starts_at=starts, ends_at=starts + datetime.timedelta(minutes=50),
    )  # fmt: skip
    o["retreat"] = RetreatFactory(clinic=clinic)
    o["enrollment"] = Enrollment.objects.create(
        clinic=clinic, retreat=o["retreat"], patient=patient, status="enrolled"
    )
    o["timetable_run"] = TimetableRun.objects.create(
        clinic=clinic, retreat=o["retreat"], status="done", finished_at=now
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
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from billing.models import Claim, ClaimLine, GoodFaithEstimate

    o["claim"] = Claim.objects.create(
        clinic=clinic, patient=patient, payer_name="Aetna", payer_id="60054",
        subscriber_id="W100", control_number=f"C{clinic.pk}-000001",
        total_charge=Decimal("180"),
    )  # fmt: skip
    ClaimLine.objects.create(claim=o["claim"], charge=o["charge"], position=1)
    from billing.models import ClaimBatch, Remittance

    o["claim_batch"] = ClaimBatch.objects.create(
        clinic=clinic, control_number=1, x12="ISA*00*~", sha256="0" * 64
    )
    o["remittance"] = Remittance.objects.create(
        clinic=clinic, trace_number="TRC1", total_paid=Decimal("0"), paid_on=today, raw="ISA~"
    )
    estimate_pdf = b"%PDF-1.4\n%%EOF\n"
    o["estimate"] = GoodFaithEstimate.objects.create(
        clinic=clinic, patient=patient, plan=o["plan"], version=1, issued_at=now,
        period_start=today, period_end=today, total=Decimal("900"),
        pdf=default_storage.save(f"estimates/{clinic.pk}/gfe.pdf", ContentFile(estimate_pdf)),
        pdf_sha256=hashlib.sha256(estimate_pdf).hexdigest(),
    )  # fmt: skip
    o["feed"] = CalendarFeed.objects.create(clinic=clinic, patient=patient)
    o["exception"] = AvailabilityException.objects.create(
        clinic=clinic, clinician=therapist, kind="time_off", reason="Leave",
        starts_on=today + datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=31),
    )  # fmt: skip
    o["run"] = BulkIssueRun.objects.create(
        clinic=clinic, month=today.replace(day=1), started_by=admin
    )
    # The cleared screening's factory had the patient sign the dosing consents.
    o["consent"] = Consent.objects.filter(patient=patient).order_by("id").first()
    o["consent_template"] = o["consent"].template
    o["document"] = document_upload(
        patient=patient, uploaded_by=admin.user, kind="ecg", notes="ECG from the cardiologist",
        file=SimpleUploadedFile("ecg.pdf", b"%PDF-1.4\n%%EOF\n"),
    )  # fmt: skip
    o["response_token"] = session_response_link(session=o["session"]).rstrip("/").split("/")[-1]
    from onboarding.models import IntakeSubmission
    from onboarding.services import invitation_send
    from tests.factories import PatientFactory

    o["intake"] = IntakeSubmission.objects.create(clinic=clinic, patient=patient)
    # A new patient without a login, invited: the invitation link's token.
    newcomer = PatientFactory(clinic=clinic, email=f"newcomer{clinic.pk}@example.com")
    o["invite_token"] = invitation_send(patient=newcomer, by=admin)[1].rstrip("/").split("/")[-1]
    return o


def _plant(clinic, value):
    """Write `value` into every free-text field of every row of `clinic` (the structural
    ones aside: codes, tokens, hashes, time zones, short codes)."""
    skip = {"timezone", "token", "content_hash", "pdf_sha256", "sha256", "search_text", "number"}
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
        body=FOREIGN, thread_body=FOREIGN,
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
    (r"booking-request|portal-booking-withdraw", "booking_request"),
    (r"consent-template|portal-consent-sign", "consent_template"),
    (r"consent", "consent"),
    (r"^api:patient-|^practice:patient-|^practice:(diagnosis|care-team|screening-create|"
     r"plan-create|session-create|measure-enter|risk-assessment-create|safety-plan-edit|"
     r"document-upload)|"
     r"^billing:(ledger|claim-create)|^records:patient-|^onboarding:patient-invite", "patient"),
    (r"^scheduling:exception-", "exception"),
    (r"intake", "intake"),
    (r"^billing:run$", "run"),
    (r"screening", "screening"),
    (r"treatment-plan|practice:plan-detail", "plan"),
    (r"^api:measure", "measure"),
    (r"document", "document"),
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
    (r"thread", "thread"),
    (r"^api:room", "room"),
    (r"retreat|^scheduling:enrollment-cancel|^scheduling:timetable-run$", "retreat"),
    (r"^api:session-(dosing|adverse-events|discharge|observations|vitals|rems-form)|"
     r"practice:session-(rems-form|vitals-chart)", "dosing_session"),
    (r"session-join", "video_session"),
    (r"session", "session"),
    (r"note-template", "note_template"),
    (r"psychotherapy-note", "psychotherapy_note"),
    (r"note", "note"),
    (r"charge", "charge"),
    (r"package", "package"),
    (r"payment", "payment"),
    (r"superbill", "superbill"),
    (r"^api:claim-|^billing:claim(-cms1500)?$", "claim"),
    (r"^billing:claim-batch-file$", "claim_batch"),
    (r"^billing:remittance$", "remittance"),
    (r"estimate", "estimate"),
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
        elif key == "run":
            values[key] = world["timetable_run"].pk
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
        elif key == "step":
            values[key] = "contacts"
        elif key == "token" and name == "onboarding:invitation-accept":
            values[key] = world["invite_token"]
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
    if name == "api:self-booking-slot-list":
        return {"kind": "integration"}
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


class _Writes:
    """The project tables written by the statements run while it is installed
    (`connection.execute_wrapper`): the same on PostgreSQL and SQLite, and blind to writes
    that a refusal may make elsewhere (the audit trail records denied attempts)."""

    WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
    PROJECT = re.compile(rf"^({'|'.join(sorted(PROJECT_APPS))})_")

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = self.WRITE.match(sql)
        if match and self.PROJECT.match(match.group(1)):
            self.tables.add(match.group(1))
        return result


def missing_entries(found, expected) -> list[str]:
    """ "name METHOD" of every route and method in `found` (from routes()) that `expected`
    says nothing about, the Django admin's aside (asked as a whole: denied but its login)."""
    return sorted(
        f"{name} {method.upper()}"
        for name, _route, methods in found
        if not name.startswith("admin:")
        for method in methods
        if method.upper() not in expected.get(name, {})
    )


def test_a_new_route_or_method_without_an_entry_is_reported():
    found = [
        ("api:patient-list", "api/v1/patients/", ["get", "post"]),
        ("api:brand-new", "api/v1/brand-new/", ["get"]),
        ("admin:index", "admin/", ["get"]),
    ]
    expected = {"api:patient-list": {"GET": EXPECTED["api:patient-list"]["GET"]}}
    assert missing_entries(found, expected) == ["api:brand-new GET", "api:patient-list POST"]


def test_every_route_has_an_authorization_entry():
    missing = missing_entries(routes(), EXPECTED)
    stale = sorted(
        f"{name} {method}"
        for name, methods in EXPECTED.items()
        for method in methods
        if (name, method) not in {(n, m.upper()) for n, _r, ms in routes() for m in ms}
    )
    assert not stale, "an entry for a route or method that is gone: " + ", ".join(stale)
    assert not missing, "new route without an authorization entry: " + ", ".join(missing)


# MATRIX_RECORD=FILE writes the outcomes seen (the patient's side) to FILE, as a draft of
# EXPECTED for a new route: each cell still needs a reader's judgement.
RECORDING = os.environ.get("MATRIX_RECORD")
TOKEN_ROUTES = {"scheduling:feed", "scheduling:session-response", "onboarding:invitation-accept"}


def expected_for(name, method, persona, side) -> str:
    row = _p(EXPECTED[name][method.upper()])
    if side == "own" or name in TOKEN_ROUTES:
        return row[PERSONAS.index(persona)]
    if persona == "other_admin":
        return row[PERSONAS.index("admin")]
    return "d" if row[PERSONAS.index(persona)] == "d" else "h"


class _Rollback(Exception):
    pass


def test_the_authorization_matrix(web_as, api_as, monkeypatch, settings):
    from drf_spectacular.generators import SchemaGenerator

    # Card payments on, so their routes answer as in a clinic that takes cards (no request
    # of the matrix reaches Stripe: empty bodies stop at validation or the signature).
    settings.STRIPE_SECRET_KEY = "sk_test_matrix"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_matrix"
    settings.STRIPE_API_BASE = "http://stripe.invalid"

    generate, schemas = SchemaGenerator.get_schema, {}

    def get_schema_once(self, request=None, public=False):
        # The same document for every reader the view lets through (its permission classes
        # run first): generated once, not once per persona.
        if public not in schemas:
            schemas[public] = generate(self, request=request, public=public)
        return schemas[public]

    monkeypatch.setattr(SchemaGenerator, "get_schema", get_schema_once)
    people, own, foreign = build_world()
    person = {name: getattr(people, name) for name in PERSONAS if name != "anonymous"}
    session_cookie = settings.SESSION_COOKIE_NAME
    all_routes = routes()
    failures, known, observed, asked, spent = [], set(), {}, 0, {}
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
            paths = {"own": _fill(route, url_kwargs(name, route, own))}
            if _has_kwargs(route) and not admin_site:
                paths["foreign"] = _fill(route, url_kwargs(name, route, foreign))
                if paths["foreign"] == paths["own"]:  # no object in the URL (an instrument)
                    del paths["foreign"]
            for method in sorted(methods, key=write_order.get):
                for side, path in paths.items():
                    world = own if side == "own" else foreign
                    client = api if route.startswith("api/v1/") else web
                    started = time.perf_counter()
                    writes = _Writes()
                    try:
                        with transaction.atomic(), connection.execute_wrapper(writes):
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
                    if side == "foreign" and want == "d" and got == "h":
                        want = "h"  # refused either way: the object is looked up first
                    if got != want:
                        reason = KNOWN_BROKEN.get((name, method.upper(), persona))
                        if reason:
                            known.add((name, method.upper(), persona))
                        else:
                            failures.append(
                                f"{where}: expected {want}, got {got} {response.status_code}"
                            )
                    if got in ("d", "h") and writes.tables:
                        failures.append(f"{where}: refused but wrote {sorted(writes.tables)}")
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
    # Strict: a known-broken cell that now answers as expected must leave KNOWN_BROKEN.
    fixed = sorted(" ".join(key) for key in KNOWN_BROKEN if key not in known)
    assert not fixed, "known-broken cells that now pass (remove them): " + ", ".join(fixed)
