"""The outcome-measure instruments: items, published scoring and severity bands.

All three are public-domain questionnaires and the total is the sum of the items:
- GAD-7 (Spitzer et al., 2006) and PHQ-9 (Kroenke et al., 2001): each item 0–3 over the
  last two weeks.
- PCL-5, the PTSD Checklist for DSM-5 (Weathers et al., 2013, National Center for PTSD):
  20 items 0–4 over the past month, total 0–80. The National Center for PTSD's guidance
  ("Using the PTSD Checklist for DSM-5", ptsd.va.gov) gives 31–33 as the cut-point for
  provisional PTSD and treats a 10-point change as clinically meaningful; we use 33.
"""

from dataclasses import dataclass

from practice.choices import Instrument

OPTIONS = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)

PCL5_OPTIONS = (
    (0, "Not at all"),
    (1, "A little bit"),
    (2, "Moderately"),
    (3, "Quite a bit"),
    (4, "Extremely"),
)

# The upper end of the National Center for PTSD's 31–33 range: at or above it, a
# provisional PTSD diagnosis (a clinician confirms it; the checklist alone does not).
PCL5_CUT_POINT = 33


@dataclass(frozen=True)
class InstrumentSpec:
    code: str
    name: str
    stem: str
    items: tuple[str, ...]
    # (lowest score of the band, label), ascending.
    bands: tuple[tuple[int, str], ...]
    options: tuple[tuple[int, str], ...] = OPTIONS
    # Remission: the latest score is below this (GAD-7 and PHQ-9: 5; PCL-5: its cut-point).
    remission_below: int = 5
    # Response: None is a 50 % reduction from baseline; a number is a drop of that many
    # points (PCL-5: 10).
    response_drop: int | None = None
    # How the record (staff) and the portal (patient) name a latest score below remission.
    remission_name: str = "Remission"
    remission_plain: str = "in the healthy range"
    # What the patient sees: a plain-language name and about how long answering takes.
    plain_name: str = ""
    minutes: int = 2

    @property
    def title(self) -> str:
        """The patient's name for it: "Anxiety check-in (GAD-7)"."""
        return f"{self.plain_name} ({self.name})" if self.plain_name else self.name

    @property
    def duration(self) -> str:
        """ "about 2 minutes" """
        return f"about {self.minutes} minute{'s' if self.minutes != 1 else ''}"

    @property
    def title_with_duration(self) -> str:
        """ "Anxiety check-in (GAD-7), about 2 minutes" """
        return f"{self.title}, {self.duration}"

    @property
    def max_answer(self) -> int:
        return self.options[-1][0]

    @property
    def max_score(self) -> int:
        return self.max_answer * len(self.items)

    def answer_label(self, value: int) -> str:
        return dict(self.options)[value]


GAD7 = InstrumentSpec(
    code=Instrument.GAD7,
    name="GAD-7",
    plain_name="Anxiety check-in",
    minutes=2,
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    bands=((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
)

PHQ9 = InstrumentSpec(
    code=Instrument.PHQ9,
    name="PHQ-9",
    plain_name="Mood check-in",
    minutes=3,
    stem=(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself "
        "or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    bands=(
        (0, "minimal"),
        (5, "mild"),
        (10, "moderate"),
        (15, "moderately severe"),
        (20, "severe"),
    ),
)

PCL5 = InstrumentSpec(
    code=Instrument.PCL5,
    name="PCL-5",
    plain_name="Check-in on stress after a hard experience",
    minutes=7,
    stem=(
        "Below are problems people sometimes have after a very stressful experience. "
        "In the past month, how much have you been bothered by each one?"
    ),
    items=(
        "Repeated, disturbing, and unwanted memories of the stressful experience",
        "Repeated, disturbing dreams of the stressful experience",
        "Suddenly feeling or acting as if the stressful experience were actually happening "
        "again (as if you were actually back there reliving it)",
        "Feeling very upset when something reminded you of the stressful experience",
        "Having strong physical reactions when something reminded you of the stressful "
        "experience (for example, heart pounding, trouble breathing, sweating)",
        "Avoiding memories, thoughts, or feelings related to the stressful experience",
        "Avoiding things that remind you of the stressful experience (for example, people, "
        "places, conversations, activities, objects, or situations)",
        "Trouble remembering important parts of the stressful experience",
        "Having strong negative beliefs about yourself, other people, or the world (for "
        "example: I am bad, there is something seriously wrong with me, no one can be "
        "trusted, the world is completely dangerous)",
        "Blaming yourself or someone else for the stressful experience or what happened after it",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame",
        "Loss of interest in activities that you used to enjoy",
        "Feeling distant or cut off from other people",
        "Trouble having positive feelings (for example, being unable to feel happiness or "
        "have loving feelings for people close to you)",
        "Irritable behavior, angry outbursts, or acting aggressively",
        "Taking too many risks or doing things that could cause you harm",
        "Being “superalert” or watchful or on guard",
        "Feeling jumpy or easily startled",
        "Having difficulty concentrating",
        "Trouble falling or staying asleep",
    ),
    bands=((0, "below PTSD cut-point"), (PCL5_CUT_POINT, "probable PTSD")),
    options=PCL5_OPTIONS,
    remission_below=PCL5_CUT_POINT,
    response_drop=10,
    remission_name="Below cut-point",
    remission_plain="below the level that suggests PTSD",
)

INSTRUMENTS: dict[str, InstrumentSpec] = {GAD7.code: GAD7, PHQ9.code: PHQ9, PCL5.code: PCL5}

# PHQ-9 item 9 (index 8): any answer above 0 needs a clinician now.
PHQ9_SELF_HARM_ITEM = 8


def spec(instrument: str) -> InstrumentSpec:
    return INSTRUMENTS[instrument]


def validate_answers(instrument: str, answers) -> list[str]:
    """Problems with `answers` for `instrument` (empty when they can be scored)."""
    instrument_spec = spec(instrument)
    items, top = instrument_spec.items, instrument_spec.max_answer
    if not isinstance(answers, list | tuple):
        return ["Answers must be a list, one per item."]
    if len(answers) != len(items):
        return [f"{instrument_spec.name} has {len(items)} items; got {len(answers)} answers."]
    problems = []
    for number, answer in enumerate(answers, start=1):
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= top:
            problems.append(f"Item {number}: choose an answer from 0 to {top}.")
    return problems


def score(instrument: str, answers) -> int:
    return sum(answers)


def severity(instrument: str, total: int) -> str:
    label = ""
    for lowest, name in spec(instrument).bands:
        if total >= lowest:
            label = name
    return label


def severity_badge(label: str) -> str:
    """The CSS badge class of a severity label."""
    return {
        "minimal": "ok",
        "mild": "ok",
        "moderate": "warn",
        "moderately severe": "danger",
        "severe": "danger",
        "below PTSD cut-point": "ok",
        "probable PTSD": "danger",
    }.get(label, "")


def flags_self_harm(instrument: str, answers) -> bool:
    return instrument == Instrument.PHQ9 and answers[PHQ9_SELF_HARM_ITEM] > 0
