"""Who sees which patient, through the API and the pages (personas: tests/personas.py)."""

import pytest

pytestmark = pytest.mark.django_db


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])


def test_admin_lists_every_patient_of_their_clinic_only(people, api_as):
    response = api_as(people.admin).get("/api/v1/patients/")
    assert response.status_code == 200
    assert ids(response) == sorted([people.patient.pk, people.other_patient.pk])


def test_therapist_lists_only_their_care_team(people, api_as):
    assert ids(api_as(people.therapist).get("/api/v1/patients/")) == [people.patient.pk]
    assert ids(api_as(people.outsider).get("/api/v1/patients/")) == [people.other_patient.pk]
    assert ids(api_as(people.medical).get("/api/v1/patients/")) == [people.patient.pk]


def test_patient_sees_only_themself(people, api_as):
    client = api_as(people.patient)
    assert ids(client.get("/api/v1/patients/")) == [people.patient.pk]
    assert client.get(f"/api/v1/patients/{people.other_patient.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_admin", "other_patient"])
def test_a_patient_out_of_reach_answers_404(people, api_as, who):
    response = api_as(getattr(people, who)).get(f"/api/v1/patients/{people.patient.pk}/")
    assert response.status_code == 404
    assert "Erin" not in response.content.decode()


def test_anonymous_is_refused(client, people):
    assert client.get("/api/v1/patients/").status_code == 401


def test_token_is_issued_for_username_password_and_code(client, people):
    from tests.otp import totp_code, totp_device

    code = totp_code(totp_device(people.admin.user))
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": "correct-horse-battery", "otp": code},
    )
    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("therapist", 200), ("medical", 200), ("outsider", 404), ("other_admin", 404)],
)
def test_patient_page_follows_the_same_scoping(people, web_as, who, status):
    response = web_as(getattr(people, who)).get(f"/patients/{people.patient.pk}/")
    assert response.status_code == status


# Every persona, through the API -------------------------------------------------------------

# Who may open which patient's record: (persona, patient attribute) -> status.
RECORD_MATRIX = [
    ("admin", "patient", 200),
    ("admin", "other_patient", 200),
    ("admin", "foreign_patient", 404),
    ("therapist", "patient", 200),
    ("therapist", "other_patient", 404),
    ("outsider", "patient", 404),
    ("outsider", "other_patient", 200),
    ("medical", "patient", 200),
    ("medical", "other_patient", 404),
    ("patient", "patient", 200),
    ("patient", "other_patient", 404),
    ("other_patient", "other_patient", 200),
    ("other_patient", "patient", 404),
    ("other_admin", "foreign_patient", 200),
    ("other_admin", "patient", 404),
]


@pytest.mark.parametrize(("who", "whose", "status"), RECORD_MATRIX)
def test_each_persona_opens_exactly_the_records_it_may_through_the_api(
    people, api_as, who, whose, status
):
    target = getattr(people, whose)
    response = api_as(getattr(people, who)).get(f"/api/v1/patients/{target.pk}/")
    assert response.status_code == status
    if status == 404:
        assert target.legal_first_name not in response.content.decode()
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", ["patient", "other_patient"]),
        ("therapist", ["patient"]),
        ("outsider", ["other_patient"]),
        ("medical", ["patient"]),
        ("patient", ["patient"]),
        ("other_patient", ["other_patient"]),
        ("other_admin", ["foreign_patient"]),
    ],
)
def test_each_persona_lists_exactly_its_patients_through_the_api(people, api_as, who, expected):
    response = api_as(getattr(people, who)).get("/api/v1/patients/")
    assert ids(response) == sorted(getattr(people, name).pk for name in expected)
    assert response.json()["count"] == len(expected)


def test_a_staff_record_without_a_role_sees_nothing(people, api_as):
    from practice.models import StaffMember

    StaffMember.objects.filter(pk=people.therapist.pk).update(is_active=False)
    response = api_as(people.therapist).get("/api/v1/patients/")
    assert response.status_code == 403


# Every persona, through the pages ------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", ["patient", "other_patient"]),
        ("therapist", ["patient"]),
        ("outsider", ["other_patient"]),
        ("medical", ["patient"]),
        ("other_admin", ["foreign_patient"]),
    ],
)
def test_each_staff_persona_lists_exactly_its_patients_on_the_page(people, web_as, who, expected):
    response = web_as(getattr(people, who)).get("/patients/")
    assert response.status_code == 200
    assert sorted(p.pk for p in response.context["patients"]) == sorted(
        getattr(people, name).pk for name in expected
    )
    page = response.content.decode()
    for name in {"patient", "other_patient", "foreign_patient"} - set(expected):
        assert getattr(people, name).legal_first_name not in page


@pytest.mark.parametrize(
    ("who", "whose", "status"),
    [row for row in RECORD_MATRIX if row[0] not in {"patient", "other_patient"}],
)
def test_each_staff_persona_opens_exactly_the_patient_pages_it_may(
    people, web_as, who, whose, status
):
    target = getattr(people, whose)
    response = web_as(getattr(people, who)).get(f"/patients/{target.pk}/")
    assert response.status_code == status


@pytest.mark.parametrize("who", ["patient", "other_patient"])
def test_patients_cannot_open_staff_pages(people, web_as, who):
    client = web_as(getattr(people, who))
    assert client.get("/patients/").status_code == 403
    assert client.get(f"/patients/{people.patient.pk}/").status_code == 403
    assert client.get("/today/").status_code == 403


def test_the_portal_shows_the_patient_only_their_own_record(people, web_as):
    response = web_as(people.patient).get("/portal/")
    assert response.status_code == 200
    assert response.context["patient"] == people.patient
    page = response.content.decode()
    assert "Erin Patient" in page
    assert "Frank" not in page and "Gina" not in page


@pytest.mark.parametrize("who", ["admin", "therapist", "medical"])
def test_staff_have_no_portal(people, web_as, who):
    assert web_as(getattr(people, who)).get("/portal/").status_code == 403


@pytest.mark.parametrize(
    ("who", "expected"),
    [("therapist", ["patient"]), ("outsider", ["other_patient"]), ("medical", ["patient"])],
)
def test_a_clinicians_dashboard_lists_only_their_care_team(people, web_as, who, expected):
    response = web_as(getattr(people, who)).get("/today/")
    assert [p.pk for p in response.context["patients"]] == [
        getattr(people, name).pk for name in expected
    ]


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("admin", "/patients/"),
        ("therapist", "/today/"),
        ("medical", "/today/"),
        ("patient", "/portal/"),
    ],
)
def test_each_role_is_sent_to_its_home(people, web_as, who, home):
    response = web_as(getattr(people, who)).get("/")
    assert response.status_code == 302
    assert response["Location"] == home


def test_anonymous_visitors_are_sent_to_the_login_page(client, people):
    for url in ["/patients/", f"/patients/{people.patient.pk}/", "/today/", "/portal/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
