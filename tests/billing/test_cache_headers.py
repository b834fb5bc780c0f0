"""A superbill PDF, through the pages and the API, is never kept by a browser or a cache
(backend.middleware.NoStoreMiddleware)."""

import datetime
from decimal import Decimal

import pytest

from billing.services.payments import payment_record
from billing.services.superbills import superbill_issue

OCT = {"period_start": datetime.date(2026, 10, 1), "period_end": datetime.date(2026, 10, 31)}


@pytest.fixture
def issued(approved_session, codes):
    approved_session(datetime.date(2026, 10, 5))
    payment_record(
        patient=codes.patient, method="card", amount=Decimal("100"), received_on=OCT["period_end"]
    )
    return superbill_issue(patient=codes.patient, issued_by=codes.admin, **OCT)


@pytest.mark.parametrize("through", ["api", "page"])
def test_a_superbill_pdf_is_sent_no_store(issued, codes, api_as, web_as, through):
    if through == "api":
        response = api_as(codes.patient).get(f"/api/v1/superbills/{issued.pk}/pdf/")
    else:
        response = web_as(codes.admin).get(f"/billing/superbills/{issued.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control >= {"no-store", "no-cache", "private", "max-age=0"}
    assert response["Pragma"] == "no-cache"
