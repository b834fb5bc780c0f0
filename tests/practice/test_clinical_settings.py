"""A clinic admin changes the clinical settings (page, API, service): coherent numbers only,
nothing changed on bad input, audited, scoped to their own clinic, and the safety rules follow."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from practice import services
from practice.errors import DosingGateRefused, InvalidInput, RoleNotAllowed
from practice.models import ClinicalSettings, DosingRecord
from practice.selectors import clinical_settings_for
from practice.services.clinical_settings import EDITABLE_FIELDS
from tests.practice.clinical import dose, dosing_session

pytestmark = pytest.mark.django_db

URL = "/clinic/settings/clinical/"
API = "/api/v1/clinical-settings/"


def form_data(**changes) -> dict:
    """What the page posts when nothing is changed (the defaults), with `changes` typed over
    it."""
    defaults = ClinicalSettings()
    data = {}
    for name in EDITABLE_FIELDS:
        value = getattr(defaults, name)
        if name == "measure_after_dose_hours":
            data[name] = ", ".join(str(hours) for hours in value)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = value
        else:
            data[name] = str(value)
    data.update(changes)
    return data


# Service ---------------------------------------------------------------------------------


def test_an_admin_changes_a_threshold_and_the_change_is_audited(people):
    settings = services.clinical_settings_update(
        clinic=people.clinic, by=people.admin, fasting_hours=6, measure_after_dose_hours=[168, 24]
    )
    assert clinical_settings_for(people.clinic).fasting_hours == 6
    assert settings.measure_after_dose_hours == [24, 168]
    entry = LogEntry.objects.get_for_object(settings).latest("timestamp")
    assert "fasting_hours" in entry.changes_dict


def test_incoherent_thresholds_are_refused_per_field_and_change_nothing(people):
    with pytest.raises(ValidationError) as caught:
        services.clinical_settings_update(
            clinic=people.clinic,
            by=people.admin,
            fasting_hours=8,  # fine on its own: still not saved
            alert_heart_rate_above=90,
            alert_heart_rate_below=95,  # above the upper alert
            predose_systolic_refuse_at=190,  # above the in-session alert (180)
            alert_spo2_below=40,
            measure_instruments=["gad7", "bdi"],
            measure_after_dose_hours=[24, 0],
        )
    errors = caught.value.message_dict
    assert errors["alert_heart_rate_below"] == ["Must be below the upper heart-rate alert (90)."]
    assert errors["predose_systolic_refuse_at"] == [
        "Refuse dosing at or below the in-session alert level (systolic ≥ 180)."
    ]
    assert errors["alert_spo2_below"] == ["Enter a number from 80 to 99."]
    assert "measure_instruments" in errors
    assert "measure_after_dose_hours" in errors
    assert "fasting_hours" not in errors
    assert not ClinicalSettings.objects.exists()
    assert clinical_settings_for(people.clinic).fasting_hours == 4


def test_diastolic_limits_stay_below_systolic(people):
    with pytest.raises(ValidationError) as caught:
        services.clinical_settings_update(
            clinic=people.clinic,
            by=people.admin,
            predose_systolic_refuse_at=125,
            predose_diastolic_refuse_at=125,
        )
    assert caught.value.message_dict == {
        "predose_diastolic_refuse_at": ["Must be below the systolic limit (125)."]
    }


@pytest.mark.parametrize("who", ["therapist", "medical", "other_admin"])
def test_only_an_admin_of_the_clinic_may_change_its_settings(people, who):
    with pytest.raises(RoleNotAllowed):
        services.clinical_settings_update(
            clinic=people.clinic, by=getattr(people, who), fasting_hours=6
        )
    assert not ClinicalSettings.objects.exists()


def test_a_name_that_is_not_a_setting_is_refused(people):
    with pytest.raises(InvalidInput, match="Not a clinical setting: clinic_id"):
        services.clinical_settings_update(
            clinic=people.clinic, by=people.admin, clinic_id=people.other_clinic.pk
        )


def test_a_lower_predose_limit_refuses_a_dose_the_default_allowed(people):
    session = dosing_session(people)
    at_145 = {"predose_systolic": 145, "predose_diastolic": 85}
    assert not services.predose_gate_failures(
        session=session,
        escort_confirmed=True,
        fasting_confirmed=True,
        predose_heart_rate=74,
        predose_spo2=98,
        **at_145,
    )
    services.clinical_settings_update(
        clinic=people.clinic, by=people.admin, predose_systolic_refuse_at=140
    )
    with pytest.raises(DosingGateRefused, match=r"145/85 is at or above the clinic's limit \(140/"):
        dose(people, session, **at_145)
    assert not DosingRecord.objects.exists()


# Page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("therapist", 403), ("medical", 403), ("patient", 403)],
)
def test_the_settings_page_is_for_admins(people, web_as, who, status):
    client = web_as(getattr(people, who))
    assert client.get(URL).status_code == status
    response = client.post(URL, form_data(fasting_hours="6"))
    assert response.status_code == (302 if status == 200 else status)
    expected = 6 if status == 200 else 4
    assert clinical_settings_for(people.clinic).fasting_hours == expected


def test_the_clinic_overview_links_to_the_settings_page(people, web_as):
    page = web_as(people.admin).get("/clinic/").content.decode()
    assert f'href="{URL}"' in page


def test_the_page_shows_the_sections_with_help_and_uses_constant_queries(
    people, web_as, django_assert_num_queries
):
    client = web_as(people.admin)
    client.get(URL)
    # session, user, staff member with its clinic (role, header and time zone), settings,
    # checklist, the session's second-factor device (django-otp)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(7):
        page = client.get(URL).content.decode()
    for section in ("Pre-dose gate", "Vital-sign alerts during a session", "Outcome measures"):
        assert f"<legend>{section}</legend>" in page
    assert "Dosing is refused at or above this systolic pressure." in page
    assert 'value="24, 168"' in page


def test_the_page_saves_a_change_and_says_so(people, web_as):
    response = web_as(people.admin).post(
        URL, form_data(alert_spo2_below="90", measure_instruments=["gad7"]), follow=True
    )
    assert "Clinical settings saved." in response.content.decode()
    settings = clinical_settings_for(people.clinic)
    assert (settings.alert_spo2_below, settings.measure_instruments) == (90, ["gad7"])
    entry = LogEntry.objects.get_for_object(settings).latest("timestamp")
    assert entry.actor == people.admin.user


def test_the_page_refuses_incoherent_numbers_field_by_field_and_saves_nothing(people, web_as):
    response = web_as(people.admin).post(
        URL,
        form_data(
            fasting_hours="6", alert_heart_rate_below="95", measure_after_dose_hours="24, soon"
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert "Whole hours separated by commas, e.g. 24, 168." in page
    response = web_as(people.admin).post(
        URL,
        form_data(fasting_hours="6", alert_heart_rate_above="90", alert_heart_rate_below="95"),
    )
    page = response.content.decode()
    assert "Must be below the upper heart-rate alert (90)." in page
    assert not ClinicalSettings.objects.exists()


# API -------------------------------------------------------------------------------------


def test_the_api_root_lists_the_settings_without_an_id(people, api_as):
    root = api_as(people.therapist).get("/api/v1/").json()
    assert root["clinical-settings"].endswith(API)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("therapist", 200), ("medical", 200), ("patient", 403)],
)
def test_staff_read_their_clinics_settings(people, api_as, who, status):
    response = api_as(getattr(people, who)).get(API)
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["clinic"] == people.clinic.pk
        assert body["predose_systolic_refuse_at"] == 160
        assert body["measure_after_dose_hours"] == [24, 168]


@pytest.mark.parametrize("who", ["therapist", "medical", "patient"])
def test_only_admins_change_settings_through_the_api(people, api_as, who):
    response = api_as(getattr(people, who)).patch(API, {"fasting_hours": 6}, format="json")
    assert response.status_code == 403
    assert not ClinicalSettings.objects.exists()


def test_an_admin_changes_settings_through_the_api_and_is_the_audited_actor(people, api_as):
    response = api_as(people.admin).patch(
        API, {"alert_systolic_at": 175, "measure_after_dose_hours": [24]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["alert_systolic_at"] == 175
    settings = clinical_settings_for(people.clinic)
    assert settings.measure_after_dose_hours == [24]
    assert LogEntry.objects.get_for_object(settings).latest("timestamp").actor == people.admin.user


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"alert_heart_rate_above": 90, "alert_heart_rate_below": 95}, "alert_heart_rate_below"),
        ({"predose_diastolic_refuse_at": 115}, "predose_diastolic_refuse_at"),
        ({"measure_instruments": ["bdi"]}, "measure_instruments"),
        ({"measure_after_dose_hours": [-24]}, "measure_after_dose_hours"),
        ({"fasting_hours": "a few"}, "fasting_hours"),
        ({"fasting_hour": 6}, "fasting_hour"),
    ],
)
def test_the_api_refuses_bad_input_per_field_and_changes_nothing(people, api_as, body, field):
    response = api_as(people.admin).patch(API, {"screening_valid_months": 6, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert not ClinicalSettings.objects.exists()


def test_another_clinics_admin_neither_sees_nor_changes_this_clinics_settings(people, api_as):
    services.clinical_settings_update(
        clinic=people.clinic, by=people.admin, predose_systolic_refuse_at=150
    )
    client = api_as(people.other_admin)
    seen = client.get(API).json()
    assert (seen["clinic"], seen["predose_systolic_refuse_at"]) == (people.other_clinic.pk, 160)
    client.patch(API, {"predose_systolic_refuse_at": 170}, format="json")
    assert clinical_settings_for(people.clinic).predose_systolic_refuse_at == 150
    assert clinical_settings_for(people.other_clinic).predose_systolic_refuse_at == 170


def test_a_threshold_lowered_through_the_api_refuses_the_next_dose(people, api_as):
    session = dosing_session(people)
    response = api_as(people.admin).patch(API, {"predose_systolic_refuse_at": 140}, format="json")
    assert response.status_code == 200
    with pytest.raises(DosingGateRefused):
        dose(people, session, predose_systolic=142, predose_diastolic=84)
    assert not DosingRecord.objects.exists()
