"""Secure messaging through the API and the pages: scoped like everything else, one error
shape for refusals, reading marks read, flags at the top, pinned query counts."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from messaging.models import Thread, ThreadMessage, ThreadRead
from messaging.services.threads import thread_mark_read, thread_reply, thread_start

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 11, 17, 18, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def start(people, body="When is my next session?", subject="A question", patient=None):
    patient = patient or people.patient
    return thread_start(author=patient.user, patient=patient, subject=subject, body=body)


# ---------------------------------------------------------------- API


def test_a_patient_starts_a_thread_through_the_api_and_sees_who_answered(people, api_as):
    patient = api_as(people.patient)
    response = patient.post(
        "/api/v1/threads/", {"subject": "Dose", "body": "Can we talk?"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["patient"] == people.patient.pk and body["messages"][0]["from_patient"]
    assert "flagged" not in body and "matched_terms" not in body["messages"][0]
    pk = body["id"]
    answer = api_as(people.therapist).post(
        f"/api/v1/threads/{pk}/messages/", {"body": "Yes, Thursday."}, format="json"
    )
    assert answer.status_code == 201
    detail = patient.get(f"/api/v1/threads/{pk}/").json()
    assert detail["unread"] is True
    assert [m["author_name"] for m in detail["messages"]] == ["Patient", "Bob Therapist, LCSW"]
    assert patient.post(f"/api/v1/threads/{pk}/read/").status_code == 200
    assert patient.get(f"/api/v1/threads/{pk}/").json()["unread"] is False


def test_staff_start_a_thread_naming_a_patient_they_may_see(people, api_as):
    therapist = api_as(people.therapist)
    missing = therapist.post("/api/v1/threads/", {"subject": "Hi", "body": "x"}, format="json")
    assert missing.status_code == 400 and missing.json()["fields"]["patient"]
    other = therapist.post(
        "/api/v1/threads/",
        {"patient": people.other_patient.pk, "subject": "Hi", "body": "x"},
        format="json",
    )
    assert other.status_code == 404
    made = therapist.post(
        "/api/v1/threads/",
        {"patient": people.patient.pk, "subject": "Check-in", "body": "How are you?"},
        format="json",
    )
    assert made.status_code == 201
    assert Thread.objects.count() == 1


@pytest.mark.parametrize("who", ["other_patient", "outsider", "other_admin"])
def test_a_message_to_a_thread_they_are_not_in_is_refused_and_changes_nothing(people, api_as, who):
    thread = start(people)
    response = api_as(getattr(people, who)).post(
        f"/api/v1/threads/{thread.pk}/messages/", {"body": "Hello"}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
    assert ThreadMessage.objects.count() == 1


def test_an_admin_off_the_care_team_is_told_why_they_cannot_answer(people, api_as):
    thread = start(people)
    response = api_as(people.admin).post(
        f"/api/v1/threads/{thread.pk}/messages/", {"body": "Hello"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_on_care_team"
    assert ThreadMessage.objects.count() == 1


def test_an_empty_message_is_a_400_in_the_one_error_shape(people, api_as):
    thread = start(people)
    response = api_as(people.therapist).post(
        f"/api/v1/threads/{thread.pk}/messages/", {"body": ""}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"code", "detail", "fields"}


def test_messages_cannot_be_edited_or_deleted_through_the_api(people, api_as):
    thread = start(people)
    therapist = api_as(people.therapist)
    assert therapist.patch(f"/api/v1/threads/{thread.pk}/", {"subject": "x"}).status_code == 405
    assert therapist.delete(f"/api/v1/threads/{thread.pk}/").status_code == 405


def test_staff_clear_a_flag_through_the_api_and_a_patient_may_not(people, api_as):
    thread = start(people, body="I think about suicide")
    url = f"/api/v1/threads/{thread.pk}/clear-flag/"
    assert api_as(people.patient).post(url, {"note": "ok"}, format="json").status_code == 403
    medical = api_as(people.medical)
    assert medical.post(url, {"note": ""}, format="json").status_code == 400
    cleared = medical.post(url, {"note": "Called her; safe."}, format="json")
    assert cleared.status_code == 200 and cleared.json()["flagged"] is False
    again = medical.post(url, {"note": "Again"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "flag_not_raised"


def test_the_threads_api_is_scoped_and_its_query_count_pinned(
    people, api_as, django_assert_num_queries
):
    for n in range(3):
        start(people, subject=f"Mine {n}")
    start(people, patient=people.other_patient, subject="Hers")
    therapist = api_as(people.therapist)
    # Queries: auth token + user, staff member, COUNT of the page, the page of threads
    # (patient and clinic joined, unread as a subquery), the request's audit row.
    with django_assert_num_queries(5):
        body = therapist.get("/api/v1/threads/").json()
    assert body["count"] == 3 and all(t["unread"] for t in body["results"])
    assert api_as(people.patient).get("/api/v1/threads/").json()["count"] == 3
    assert api_as(people.other_patient).get("/api/v1/threads/").json()["count"] == 1
    assert api_as(people.outsider).get("/api/v1/threads/").json()["count"] == 1
    assert api_as(people.admin).get("/api/v1/threads/").json()["count"] == 4
    assert api_as(people.other_admin).get("/api/v1/threads/").json()["count"] == 0


# ---------------------------------------------------------------- pages


def test_the_patient_writes_from_the_portal_and_sees_the_emergency_note(people, web_as):
    client = web_as(people.patient)
    page = client.get(reverse("messaging:portal-thread-new"))
    assert b"Messages are not for emergencies" in page.content and b"988" in page.content
    response = client.post(
        reverse("messaging:portal-thread-new"), {"subject": "Sleep", "body": "Hard to sleep."}
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:portal-thread", args=[thread.pk])
    page = client.get(response["Location"])
    assert b"Hard to sleep." in page.content and b"Messages are not for emergencies" in page.content


def test_a_flagged_patient_message_shows_the_crisis_line_to_the_patient(people, web_as):
    client = web_as(people.patient)
    response = client.post(
        reverse("messaging:portal-thread-new"),
        {"subject": "Tonight", "body": "I want to kill myself"},
        follow=True,
    )
    assert b"call or text 988" in response.content
    assert b"Flagged" not in response.content  # the triage is for the care team


def test_the_therapist_answers_from_the_inbox_and_opening_marks_read(people, web_as):
    thread = start(people)
    client = web_as(people.therapist)
    inbox = client.get(reverse("messaging:inbox"))
    assert b"Unread" in inbox.content and b"A question" in inbox.content
    page = client.get(reverse("messaging:inbox-thread", args=[thread.pk]))
    assert b"Messages are not for emergencies" in page.content
    assert ThreadRead.objects.filter(thread=thread, user=people.therapist.user).exists()
    response = client.post(
        reverse("messaging:inbox-thread", args=[thread.pk]), {"body": "See you Thursday."}
    )
    assert response.status_code == 302
    assert thread.messages.last().author_staff == people.therapist


def test_a_flagged_thread_shows_a_banner_and_is_cleared_with_a_note(people, web_as):
    thread = start(people, body="I keep thinking about an overdose")
    client = web_as(people.medical)
    inbox = client.get(reverse("messaging:inbox"))
    assert b"1 thread flagged:" in inbox.content
    page = client.get(reverse("messaging:inbox-thread", args=[thread.pk]))
    assert b'data-testid="flag-banner"' in page.content and b"overdose" in page.content
    url = reverse("messaging:thread-clear-flag", args=[thread.pk])
    client.post(url, {"note": ""})
    thread.refresh_from_db()
    assert thread.flagged
    client.post(url, {"note": "Called; she is safe."})
    thread.refresh_from_db()
    assert not thread.flagged
    page = client.get(reverse("messaging:inbox-thread", args=[thread.pk]))
    assert b"Called; she is safe." in page.content
    assert b"thread flagged:" not in client.get(reverse("messaging:inbox")).content


def test_an_admin_off_the_care_team_reads_the_thread_without_a_reply_form(people, web_as):
    thread = start(people)
    page = web_as(people.admin).get(reverse("messaging:inbox-thread", args=[thread.pk]))
    assert b"When is my next session?" in page.content
    assert b'data-testid="read-only"' in page.content and b"Your answer" not in page.content
    response = web_as(people.admin).post(
        reverse("messaging:inbox-thread", args=[thread.pk]), {"body": "Hello"}
    )
    assert response.status_code == 409
    assert ThreadMessage.objects.count() == 1


def test_a_thread_out_of_reach_is_a_404_on_the_pages(people, web_as):
    thread = start(people)
    assert web_as(people.outsider).get(f"/inbox/{thread.pk}/").status_code == 404
    response = web_as(people.other_patient).post(f"/portal/messages/{thread.pk}/", {"body": "Hi"})
    assert response.status_code == 404
    assert ThreadMessage.objects.count() == 1


def test_today_shows_the_unread_count_linking_to_the_inbox(people, web_as):
    start(people)
    start(people, subject="Second")
    page = web_as(people.therapist).get(reverse("practice:dashboard"))
    assert b'data-testid="unread-count">2 unread' in page.content
    assert reverse("messaging:inbox").encode() in page.content


def test_the_inbox_query_count_does_not_grow_with_threads(
    people, web_as, django_assert_num_queries
):
    for n in range(3):
        thread = start(people, subject=f"Thread {n}")
        thread_reply(author=people.therapist.user, thread=thread, body="Answer")
    client = web_as(people.therapist)
    client.get(reverse("messaging:inbox"))  # warm the session
    # Queries: session, user, the OTP device check, staff member (the actor), COUNT for the
    # page, the page of threads (patient and clinic joined; unread as a subquery), the
    # request's audit row.
    with django_assert_num_queries(PINNED_INBOX):
        client.get(reverse("messaging:inbox"))
    for n in range(10):
        start(people, subject=f"More {n}")
    with django_assert_num_queries(PINNED_INBOX):
        client.get(reverse("messaging:inbox"))


def test_the_portal_list_query_count_does_not_grow_with_threads(
    people, web_as, django_assert_num_queries
):
    thread = start(people)
    client = web_as(people.patient)
    client.get(reverse("messaging:portal-messages"))
    # Queries: session, user, staff member (none) and patient (the actor, clinic joined),
    # COUNT for the page, the page of threads (unread as a subquery), the audit row.
    with django_assert_num_queries(PINNED_PORTAL):
        client.get(reverse("messaging:portal-messages"))
    for n in range(10):
        start(people, subject=f"More {n}")
    thread_mark_read(user=people.patient.user, thread=thread)
    with django_assert_num_queries(PINNED_PORTAL):
        client.get(reverse("messaging:portal-messages"))


PINNED_INBOX = 7
PINNED_PORTAL = 7
