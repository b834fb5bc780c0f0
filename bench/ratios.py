"""Three costs as ratios measured in one run (PostgreSQL; issue 16):

- DRF list ÷ `.values()`: 100 sessions as the sessions API lists them (its queryset with
  the joins it needs, its serializer, its JSON renderer) against the same rows and fields
  read with `.values()` and `json.dumps` (target ≤ 3×);
- audit on ÷ off: a patient's chart page (`/patients/<id>/`) read by the admin with the
  audit middleware and without it (target ≤ 1.2×);
- encrypted ÷ plaintext: saving and reading back a psychotherapy note (encrypted at rest)
  against an addendum (plain text) of the same length (target ≤ 1.5×).

The data is the 1 % world of `bench/_scale.py` (two clinics). Alternating blocks; medians.

    BENCH_ROUNDS=8   alternating blocks
    BENCH_BLOCK=10   timed repetitions per block
"""

import json
import logging
import os
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client, modify_settings
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory, force_authenticate

from bench._scale import build

TARGETS = {"drf_list_over_values": 3.0, "audit_on_over_off": 1.2, "encrypted_over_plain": 1.5}


def _alternate(a, b, rounds: int, block: int) -> tuple[float, float]:
    """Median milliseconds of `a()` and of `b()`, timed in alternating blocks."""
    times = {0: [], 1: []}
    a(), b()  # warm-up
    for _ in range(rounds):
        for key, fn in ((0, a), (1, b)):
            for _ in range(block):
                started = time.perf_counter()
                fn()
                times[key].append((time.perf_counter() - started) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def _drf_vs_values(admin_user, rounds, block):
    from practice.api.sessions import SessionViewSet

    request = APIRequestFactory().get("/api/v1/sessions/")
    force_authenticate(request, user=admin_user)
    view = SessionViewSet(action="list", format_kwarg=None)
    view.request = Request(request)
    view.request.user = admin_user
    serializer_class = view.get_serializer_class()
    fields = list(serializer_class().fields)
    columns = {f.name for f in serializer_class.Meta.model._meta.concrete_fields}
    plain = [name for name in fields if name in columns]  # the serializer's own columns

    def drf():
        rows = view.get_queryset().order_by("starts_at", "pk")[:100]
        data = serializer_class(rows, many=True, context={"request": view.request}).data
        return JSONRenderer().render(data)

    def values():
        rows = view.get_queryset().order_by("starts_at", "pk").values(*plain)[:100]
        return json.dumps(list(rows), default=str)

    return _alternate(drf, values, rounds, block), {"fields": len(fields), "columns": len(plain)}


def _audit_on_vs_off(admin_user, patient_id, rounds, block):
    from tests.otp import sign_in

    on = sign_in(Client(), admin_user)
    with modify_settings(MIDDLEWARE={"remove": "backend.audit.AuditMiddleware"}):
        off = sign_in(Client(), admin_user)
        off.get("/")  # the handler loads the middleware list now, without the audit
    url = f"/patients/{patient_id}/"
    return _alternate(lambda: on.get(url), lambda: off.get(url), rounds, block), {}


def _encrypted_vs_plain(world, rounds, block):
    from django.utils import timezone

    from integration_notes.models import Addendum, Note, PsychotherapyNote
    from practice.models import Patient, StaffMember

    note = Note.objects.filter(clinic_id=world.clinic_ids[0]).select_related("author").first()
    patient = Patient.objects.get(pk=note.patient_id)
    author = StaffMember.objects.get(pk=note.author_id)
    text = "Process notes between sessions. " * 40  # ~1.3 kB

    def encrypted():
        made = PsychotherapyNote.objects.create(
            clinic_id=patient.clinic_id, patient=patient, author=author, body=text
        )
        assert PsychotherapyNote.objects.get(pk=made.pk).body == text

    def plain():
        made = Addendum.objects.create(
            note=note, author=author, text=text, signed_at=timezone.now(), content_hash="x"
        )
        assert Addendum.objects.get(pk=made.pk).text == text

    return _alternate(encrypted, plain, rounds, block), {"text_bytes": len(text)}


def run() -> None:
    if connection.vendor != "postgresql":
        print("skipped: needs PostgreSQL (DATABASE_URL)")
        return
    logging.getLogger("axes").setLevel(logging.WARNING)
    rounds = int(os.environ.get("BENCH_ROUNDS", "8"))
    block = int(os.environ.get("BENCH_BLOCK", "10"))
    from django.contrib.auth import get_user_model

    world = build(0.01, clinics=2)
    admin = get_user_model().objects.get(pk=world.admin_user_id)
    results = {}
    for name, (measure, notes) in {
        "drf_list_over_values": _drf_vs_values(admin, rounds, block),
        "audit_on_over_off": _audit_on_vs_off(admin, world.patient_id, rounds, block),
        "encrypted_over_plain": _encrypted_vs_plain(world, rounds, block),
    }.items():
        first, second = measure
        ratio = round(first / second, 2)
        results[name] = {"ms": [round(first, 2), round(second, 2)], "ratio": ratio} | notes
        mark = "✔" if ratio <= TARGETS[name] else "✘"
        print(
            f"  {name:24} {first:8.2f} ms ÷ {second:8.2f} ms = ×{ratio} "
            f"(target ≤ {TARGETS[name]}) {mark}"
        )
    out = Path(settings.BASE_DIR) / "var" / "bench" / "ratios.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"  written to {out}")
