"""The intake's rules: steps in any order, each validated; submit needs every step; after
submission nothing changes; the review records who and when and clears nobody."""

import datetime

import pytest

from onboarding import services
from onboarding.errors import (
    IntakeIncomplete,
    IntakeLocked,
    IntakeNotSubmitted,
    InvalidInput,
    RoleNotAllowed,
)
from onboarding.models import IntakeScreeningAnswer, IntakeSubmission
from onboarding.selectors import intake_checklist, screening_prefill
from practice.models import Screening
from tests.onboarding.helpers import checklist_answers, complete_steps

pytestmark = pytest.mark.django_db


def _submitted(world, **special):
    services.intake_update(patient=world.newcomer, steps=complete_steps(world.clinic, **special))
    return services.intake_submit(patient=world.newcomer)


def test_a_step_saves_onto_the_patient_and_is_marked_done(world):
    steps = complete_steps(world.clinic)
    submission = services.intake_update(
        patient=world.newcomer, steps={"contacts": steps["contacts"]}
    )

    world.newcomer.refresh_from_db()
    assert world.newcomer.escort_name == "Omar Newcomer"
    assert str(world.newcomer.escort_phone) == "+13035550111"
    assert submission.contacts_done and not submission.demographics_done
    assert submission.status == "in_progress"


def test_steps_can_be_saved_in_any_order_and_again(world):
    steps = complete_steps(world.clinic)
    services.intake_update(patient=world.newcomer, steps={"medications": steps["medications"]})
    services.intake_update(patient=world.newcomer, steps={"insurance": steps["insurance"]})
    submission = services.intake_update(
        patient=world.newcomer, steps={"medications": {"medications": "None", "allergies": "None"}}
    )
    world.newcomer.refresh_from_db()
    assert world.newcomer.medications == "None"
    assert submission.medications_done and submission.insurance_done


def test_a_required_field_left_empty_is_refused_and_nothing_is_saved(world):
    steps = complete_steps(world.clinic)
    contacts = {**steps["contacts"], "escort_name": ""}
    with pytest.raises(InvalidInput) as refused:
        services.intake_update(
            patient=world.newcomer,
            steps={"medications": steps["medications"], "contacts": contacts},
        )
    assert "escort_name" in refused.value.extra["fields"]
    world.newcomer.refresh_from_db()
    assert world.newcomer.medications == ""
    assert not IntakeSubmission.objects.filter(medications_done=True).exists()


def test_a_field_of_another_step_is_refused(world):
    with pytest.raises(InvalidInput, match="Not part of this step"):
        services.intake_update(
            patient=world.newcomer, steps={"medications": {"medications": "x", "user": 1}}
        )


def test_an_invalid_phone_number_is_refused(world):
    contacts = {**complete_steps(world.clinic)["contacts"], "escort_phone": "12"}
    with pytest.raises(InvalidInput) as refused:
        services.intake_update(patient=world.newcomer, steps={"contacts": contacts})
    assert "escort_phone" in refused.value.extra["fields"]


def test_self_pay_needs_no_insurance_details(world):
    submission = services.intake_update(
        patient=world.newcomer, steps={"insurance": {"insurance_payer": ""}}
    )
    assert submission.insurance_done


def test_insurance_needs_the_member_id_and_the_relationship(world):
    with pytest.raises(InvalidInput) as refused:
        services.intake_update(
            patient=world.newcomer,
            steps={"insurance": {"insurance_payer": "Aetna", "insurance_member_id": ""}},
        )
    assert {"insurance_member_id", "insured_relationship"} <= set(refused.value.extra["fields"])


def test_someone_elses_plan_needs_the_insureds_name_and_date_of_birth(world):
    with pytest.raises(InvalidInput) as refused:
        services.intake_update(
            patient=world.newcomer,
            steps={
                "insurance": {
                    "insurance_payer": "Aetna",
                    "insurance_member_id": "W1",
                    "insured_relationship": "child",
                }
            },
        )
    assert set(refused.value.extra["fields"]) == {"insured_name", "insured_date_of_birth"}


def test_the_patients_own_plan_clears_an_earlier_insured(world):
    steps = complete_steps(world.clinic)
    services.intake_update(patient=world.newcomer, steps={"insurance": steps["insurance"]})
    services.intake_update(
        patient=world.newcomer, steps={"insurance": {"insured_relationship": "self"}}
    )
    world.newcomer.refresh_from_db()
    assert world.newcomer.insured_name == "" and world.newcomer.insured_date_of_birth is None


def test_the_insureds_date_of_birth_cannot_be_in_the_future(world):
    insurance = {
        **complete_steps(world.clinic)["insurance"],
        "insured_date_of_birth": datetime.date(2999, 1, 1),
    }
    with pytest.raises(InvalidInput):
        services.intake_update(patient=world.newcomer, steps={"insurance": insurance})


def test_the_screening_answers_every_active_item_in_plain_words(world):
    services.intake_update(
        patient=world.newcomer,
        steps={"screening": checklist_answers(world.clinic, Pregnancy="yes")},
    )
    answers = IntakeScreeningAnswer.objects.filter(submission__patient=world.newcomer)
    assert answers.count() == intake_checklist(clinic_id=world.clinic.pk).count() == 7
    pregnancy = answers.get(contraindication__name__startswith="Pregnancy")
    assert pregnancy.answer == "yes" and pregnancy.question.startswith("Are you pregnant")


def test_an_item_without_a_plain_question_is_asked_by_its_name(world):
    from practice.models import Contraindication

    item = Contraindication.objects.create(
        clinic=world.clinic, name="MAOI use", severity="relative", position=9
    )
    assert item.question == "Do you have, or have you had: MAOI use?"
    item.name = "Recent stroke"
    assert item.question == "Do you have, or have you had: recent stroke?"


def test_a_screening_with_a_question_left_out_is_refused(world):
    answers = checklist_answers(world.clinic)[1:]
    with pytest.raises(InvalidInput, match="Answer every question"):
        services.intake_update(patient=world.newcomer, steps={"screening": answers})
    assert not IntakeScreeningAnswer.objects.exists()


def test_an_answer_outside_yes_no_not_sure_is_refused(world):
    answers = checklist_answers(world.clinic)
    answers[0]["answer"] = "maybe"
    with pytest.raises(InvalidInput):
        services.intake_update(patient=world.newcomer, steps={"screening": answers})


def test_another_clinics_item_is_refused(world):
    from practice.models import Contraindication

    foreign = Contraindication.objects.filter(clinic=world.other_clinic).first()
    answers = [
        *checklist_answers(world.clinic),
        {"contraindication": foreign.pk, "answer": "no", "details": ""},
    ]
    with pytest.raises(InvalidInput, match="not on this clinic's list"):
        services.intake_update(patient=world.newcomer, steps={"screening": answers})


def test_submitting_needs_every_step(world):
    steps = complete_steps(world.clinic)
    del steps["screening"]
    services.intake_update(patient=world.newcomer, steps=steps)
    with pytest.raises(IntakeIncomplete, match="Health questions") as refused:
        services.intake_submit(patient=world.newcomer)
    assert refused.value.extra["steps"] == ["screening"]
    assert IntakeSubmission.objects.get(patient=world.newcomer).submitted_at is None


def test_a_submitted_intake_no_longer_changes(world):
    _submitted(world)
    with pytest.raises(IntakeLocked, match="write to or call the clinic"):
        services.intake_update(
            patient=world.newcomer, steps={"screening": checklist_answers(world.clinic)}
        )
    with pytest.raises(IntakeLocked):
        services.intake_submit(patient=world.newcomer)


def test_medical_staff_review_records_who_and_when_and_clears_nobody(world):
    submission = _submitted(world, Pregnancy="yes")

    reviewed = services.intake_review(submission=submission, by=world.medical)

    assert reviewed.status == "reviewed" and reviewed.reviewed_by == world.medical
    assert reviewed.reviewed_at is not None
    assert not Screening.objects.filter(patient=world.newcomer).exists()


def test_only_medical_staff_review_an_intake(world):
    submission = _submitted(world)
    for staff in (world.therapist, world.admin):
        with pytest.raises(RoleNotAllowed):
            services.intake_review(submission=submission, by=staff)
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_an_intake_not_yet_submitted_cannot_be_reviewed(world):
    submission = services.intake_update(
        patient=world.newcomer, steps={"medications": {"medications": "x", "allergies": "y"}}
    )
    with pytest.raises(IntakeNotSubmitted):
        services.intake_review(submission=submission, by=world.medical)


def test_a_screening_may_start_from_the_answers_yes_and_not_sure(world):
    _submitted(world, Pregnancy="yes", Severe="not_sure")
    initial = screening_prefill(patient=world.newcomer, user=world.medical.user)

    ticked = {k for k, v in initial.items() if k.startswith("ci_") and v is True}
    names = {item.pk: item.name for item in intake_checklist(clinic_id=world.clinic.pk)}
    assert {names[int(k[3:])] for k in ticked} == {
        "Pregnancy or breastfeeding",
        "Severe liver disease",
    }
    assert "Sertraline" in initial["medications"] and "Penicillin" in initial["medications"]


def test_no_prefill_before_submission_or_for_someone_off_the_care_team(world):
    assert screening_prefill(patient=world.newcomer, user=world.medical.user) == {}
    _submitted(world, Pregnancy="yes")
    assert screening_prefill(patient=world.newcomer, user=world.outsider.user) == {}
