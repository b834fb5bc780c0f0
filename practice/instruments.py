"""The outcome-measure instruments: items, published scoring and severity bands.

GAD-7 (Spitzer et al., 2006) and PHQ-9 (Kroenke et al., 2001) are public-domain
questionnaires. Each item is answered 0–3 over the last two weeks; the total is the sum.
"""

from dataclasses import dataclass

from practice.choices import Instrument

OPTIONS = [
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
]


@dataclass(frozen=True)
class InstrumentSpec:
    code: str
    name: str
    stem: str
    items: tuple[str, ...]
    # (lowest score of the band, label), ascending.
    bands: tuple[tuple[int, str], ...]
    remission_below: int = 5

    @property
    def max_score(self) -> int:
        return 3 * len(self.items)


GAD7 = InstrumentSpec(
    code=Instrument.GAD7,
    name="GAD-7",
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

INSTRUMENTS: dict[str, InstrumentSpec] = {GAD7.code: GAD7, PHQ9.code: PHQ9}

# PHQ-9 item 9 (index 8): any answer above 0 needs a clinician now.
PHQ9_SELF_HARM_ITEM = 8


def spec(instrument: str) -> InstrumentSpec:
    return INSTRUMENTS[instrument]


def validate_answers(instrument: str, answers) -> list[str]:
    """Problems with `answers` for `instrument` (empty when they can be scored)."""
    items = spec(instrument).items
    if not isinstance(answers, list | tuple):
        return ["Answers must be a list, one per item."]
    if len(answers) != len(items):
        return [f"{spec(instrument).name} has {len(items)} items; got {len(answers)} answers."]
    problems = []
    for number, answer in enumerate(answers, start=1):
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= 3:
            problems.append(f"Item {number}: choose an answer from 0 to 3.")
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
    }.get(label, "")


def flags_self_harm(instrument: str, answers) -> bool:
    return instrument == Instrument.PHQ9 and answers[PHQ9_SELF_HARM_ITEM] > 0
