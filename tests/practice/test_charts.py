"""Pictures: the dosing page's vitals chart against the clinic's thresholds, the dose beside
the integration note, and the patient's own progress chart in the portal."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine

from integration_notes import services as note_services
from practice import services
from practice.charts import vitals_svg
from practice.selectors import clinical_settings_for
from tests.factories import MeasureResponseFactory, SessionFactory, note_template
from tests.practice.clinical import dose, dosing_session

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
NOON = datetime.datetime(2026, 5, 12, 18, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def reading(people, record, minutes, **values):
    taken_at = record.administered_at + datetime.timedelta(minutes=minutes)
    with time_machine.travel(taken_at, tick=False):
        values = {"systolic": 128, "diastolic": 82, "heart_rate": 78, "spo2": 98, **values}
        return services.vitals_record(record=record, by=people.medical, taken_at=taken_at, **values)


def dots(svg) -> list[tuple[str, int, bool]]:
    root = ET.fromstring(str(svg))
    return [
        (c.get("data-series"), int(c.get("data-value")), "out" in c.get("class").split())
        for c in root.iter(f"{SVG}circle")
    ]


def thresholds(svg) -> set[tuple[str, int]]:
    root = ET.fromstring(str(svg))
    return {
        (line.get("data-threshold"), int(line.get("data-value")))
        for line in root.iter(f"{SVG}line")
        if line.get("data-threshold")
    }


def test_the_vitals_chart_holds_each_reading_and_the_clinics_thresholds(people):
    services.clinical_settings_update(clinic=people.clinic, by=people.admin, alert_systolic_at=170)
    record = dose(people, dosing_session(people))
    reading(people, record, 15, systolic=150, diastolic=90, heart_rate=88)
    reading(people, record, 30, systolic=172, diastolic=96, heart_rate=130)
    svg = vitals_svg(record, list(record.vitals.all()), clinical_settings_for(people.clinic.pk))

    # The pre-dose reading, then the two: each value a dot, the ones past a threshold marked.
    pre = (record.predose_systolic, record.predose_diastolic, record.predose_heart_rate)
    assert [d for d in dots(svg) if d[0] == "systolic"] == [
        ("systolic", pre[0], False),
        ("systolic", 150, False),
        ("systolic", 172, True),
    ]
    assert [d for d in dots(svg) if d[0] == "diastolic"] == [
        ("diastolic", pre[1], False),
        ("diastolic", 90, False),
        ("diastolic", 96, False),
    ]
    assert [d for d in dots(svg) if d[0] == "heart_rate"][1:] == [
        ("heart_rate", 88, False),
        ("heart_rate", 130, True),
    ]
    assert thresholds(svg) == {
        ("systolic", 170),
        ("diastolic", 110),
        ("heart_rate", 120),
        ("heart_rate", 50),
    }
    assert "2 readings after the pre-dose one" in ET.fromstring(str(svg)).get("aria-label")


def test_the_dosing_page_shows_the_chart_and_it_grows_as_readings_are_added(people, web_as):
    session = dosing_session(people)
    record = dose(people, session)
    client = web_as(people.medical)
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert 'data-testid="vitals-chart"' in page
    assert f'hx-get="/sessions/{session.pk}/vitals-chart/"' in page  # polls while open
    assert "js/htmx.min.js" in page
    assert page.count('data-series="systolic"') == 1  # the pre-dose reading

    reading(people, record, 10, systolic=186, diastolic=100)
    fragment = client.get(f"/sessions/{session.pk}/vitals-chart/").content.decode()
    assert fragment.count('data-series="systolic"') == 2
    assert 'data-value="186"' in fragment and "(out of range)" in fragment


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("other_admin", 404)])
def test_the_vitals_chart_of_someone_out_of_reach_is_not_found(people, web_as, who, status):
    session = dosing_session(people)
    dose(people, session)
    response = web_as(getattr(people, who)).get(f"/sessions/{session.pk}/vitals-chart/")
    assert response.status_code == status


def test_a_session_without_a_dose_has_no_vitals_chart(people, web_as):
    session = dosing_session(people)
    assert web_as(people.medical).get(f"/sessions/{session.pk}/vitals-chart/").status_code == 404


def test_the_integration_note_editor_shows_the_dose_it_follows(people, web_as):
    record = dose(people, dosing_session(people))
    reading(people, record, 20, systolic=186, diastolic=100, heart_rate=96)
    services.dosing_observations_update(
        record=record, by=people.medical, dissociation_score=6, sedation="mild"
    )
    later = record.session.ends_at + datetime.timedelta(days=1)
    integration = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        kind="integration",
        starts_at=later,
        ends_at=later + datetime.timedelta(minutes=50),
    )
    client = web_as(people.therapist)
    start_page = client.get(f"/sessions/{integration.pk}/note/").content.decode()
    assert 'data-testid="dosing-alongside"' in start_page

    note = note_services.note_start(
        session=integration,
        author=people.therapist,
        template=note_template(people.clinic, "kap-integration"),
        content={},
    )
    page = client.get(f"/notes/{note.pk}/").content.decode()
    box = page[page.index('data-testid="dosing-alongside"') :]
    box = box[: box.index("</section>")]
    assert "35 mg Intramuscular" in re.sub(r"\s+", " ", box)
    assert "1 reading, highest BP 186/100" in box
    assert "1 out of range" in box
    assert "systolic 186 ≥ 180" in box  # the safety alert's message
    assert "6 / 10 · sedation mild" in box


def test_a_note_before_any_dose_shows_no_dosing_record(people, web_as):
    integration = SessionFactory(patient=people.patient, clinician=people.therapist)
    page = web_as(people.therapist).get(f"/sessions/{integration.pk}/note/").content.decode()
    assert 'data-testid="dosing-alongside"' not in page


def test_the_portal_shows_the_patients_own_progress_chart_in_plain_words(people, web_as):
    for days, answers in ((40, [3, 3, 2, 2, 2, 2, 2]), (10, [1, 1, 1, 1, 0, 0, 0])):
        MeasureResponseFactory(
            patient=people.patient,
            answers=answers,
            answered_at=NOON - datetime.timedelta(days=days),
        )
    MeasureResponseFactory(
        patient=people.other_patient,
        answers=[3, 3, 3, 3, 3, 3, 2],
        answered_at=NOON - datetime.timedelta(days=5),
    )
    page = web_as(people.patient).get("/portal/").content.decode()
    assert "Worry and anxiety (GAD-7)" in page
    assert "Lower scores mean fewer symptoms" in page
    svg = re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)
    root = ET.fromstring(svg)
    titles = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert [t.split(": ")[1].split(" (")[0] for t in titles] == ["your score 16", "your score 4"]
    assert "your score 20" not in page  # Frank's answer is not on Erin's chart
    assert "Your Worry and anxiety (GAD-7) scores: 16 at first, 4 most recently" in root.get(
        "aria-label"
    )


def test_frank_sees_only_his_own_chart(people, web_as):
    MeasureResponseFactory(patient=people.patient, answered_at=NOON - datetime.timedelta(days=3))
    page = web_as(people.other_patient).get("/portal/").content.decode()
    assert '<svg class="chart"' not in page


def test_the_chart_fragment_reads_as_many_queries_for_ten_readings_as_for_one(
    people, web_as, django_assert_num_queries
):
    session = dosing_session(people)
    record = dose(people, session)
    client = web_as(people.medical)
    reading(people, record, 5)
    url = f"/sessions/{session.pk}/vitals-chart/"
    client.get(url)  # warm the clinical settings row
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for minutes in range(10, 55, 5):
        reading(people, record, minutes)
    # The session (with the user and their staff row, the session with its clinic and
    # dose), the readings, the clinic's settings: the same whatever the readings.
    with django_assert_num_queries(len(one)):
        assert client.get(url).content.decode().count('data-series="systolic"') == 11
