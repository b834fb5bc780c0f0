"""The Columbia Suicide Severity Rating Scale screener: questions, skip rules and triage.

Source: the C-SSRS "Screen Version – Recent" of the Columbia Lighthouse Project (Posner K,
et al. The Columbia-Suicide Severity Rating Scale. Am J Psychiatry 2011;168:1266–1277;
cssrs.columbia.edu), free to use in clinical practice. Questions 1–5 ask about the past
month; question 6 asks about ever, with "was this within the past 3 months?" when yes.
The screener's flow: ask 1 and 2; if 2 is yes ask 3, 4 and 5; always ask 6.

Its risk identification, used here as the triage:
- high: yes to 4 (intent) or 5 (plan), or to 6 within the past 3 months;
- moderate: yes to 3 (thinking about a method), or to 6 more than 3 months ago;
- low: otherwise: yes to 1 or 2 only, or every answer no (no ideation reported).

A clinician asks the questions and records the answers; the level is derived, never typed.
Pure functions: no database, so the triage can be tested on every answer pattern.
"""

from dataclasses import dataclass

from practice.choices import RiskLevel


@dataclass(frozen=True)
class Question:
    key: str
    number: str
    text: str
    # The answer that must be yes for the question to be asked at all (skip rule).
    asked_when: str | None = None


QUESTIONS = (
    Question(
        "wish_dead",
        "1",
        "In the past month, have you wished you were dead or wished you could go to sleep "
        "and not wake up?",
    ),
    Question(
        "suicidal_thoughts",
        "2",
        "In the past month, have you actually had any thoughts about killing yourself?",
    ),
    Question(
        "method",
        "3",
        "Have you thought about how you might do this?",
        asked_when="suicidal_thoughts",
    ),
    Question(
        "intent",
        "4",
        "Have you had any intention of acting on these thoughts of killing yourself, as "
        "opposed to you have the thoughts but you definitely would not act on them?",
        asked_when="suicidal_thoughts",
    ),
    Question(
        "plan",
        "5",
        "Have you started to work out or worked out the details of how to kill yourself? "
        "Do you intend to carry out this plan?",
        asked_when="suicidal_thoughts",
    ),
    Question(
        "behaviour",
        "6",
        "Have you ever done anything, started to do anything, or prepared to do anything to "
        "end your life? (For example: collected pills, obtained a gun, gave away valuables, "
        "wrote a will or suicide note, took out pills but didn't swallow any, held a gun but "
        "changed your mind, went to the roof but didn't jump; or actually took pills, tried "
        "to shoot yourself, cut yourself, tried to hang yourself.)",
    ),
    Question(
        "behaviour_recent",
        "6a",
        "Was this within the past 3 months?",
        asked_when="behaviour",
    ),
)
KEYS = tuple(q.key for q in QUESTIONS)
BY_KEY = {q.key: q for q in QUESTIONS}


def validate_answers(answers) -> dict[str, str]:
    """Problems with `answers` ({key: True | False | None}), per key; empty when complete.

    Every question that is asked needs yes or no. A question skipped by the screener's
    flow may be left out (or None) or answered no; a yes there contradicts the answer it
    depends on, so it is refused rather than guessed at.
    """
    if not isinstance(answers, dict):
        return {"answers": "Answers must be an object of yes/no answers by question."}
    problems: dict[str, str] = {}
    unknown = sorted(set(answers) - set(KEYS))
    if unknown:
        problems["answers"] = f"Unknown question(s): {', '.join(map(str, unknown))}."
    for question in QUESTIONS:
        value = answers.get(question.key)
        if value is not None and not isinstance(value, bool):
            problems[question.key] = f"Question {question.number}: answer yes or no."
            continue
        asked = question.asked_when is None or answers.get(question.asked_when) is True
        if asked and value is None:
            problems[question.key] = f"Question {question.number}: answer yes or no."
        elif not asked and value is True:
            parent = BY_KEY[question.asked_when]
            problems[question.key] = (
                f"Question {question.number} is asked only when question {parent.number} is "
                f"yes; check question {parent.number}."
            )
    return problems


def normalized(answers: dict) -> dict[str, bool | None]:
    """The answers as stored: every key present, None for a question the flow skipped."""
    result: dict[str, bool | None] = {}
    for question in QUESTIONS:
        asked = question.asked_when is None or answers.get(question.asked_when) is True
        result[question.key] = answers.get(question.key) if asked else None
    return result


def risk_level(answers: dict) -> str:
    """The screener's triage of valid `answers` (see the module docstring)."""
    yes = {key for key, value in normalized(answers).items() if value is True}
    if {"intent", "plan"} & yes or {"behaviour", "behaviour_recent"} <= yes:
        return RiskLevel.HIGH
    if "method" in yes or "behaviour" in yes:
        return RiskLevel.MODERATE
    return RiskLevel.LOW


# What the level asks of the clinic here (shown with the result; the clinician decides).
GUIDANCE = {
    RiskLevel.LOW: "Low risk: review at the next visit; a safety plan is optional.",
    RiskLevel.MODERATE: (
        "Moderate risk: write (or review) the safety plan with the patient now. Dosing stays "
        "on hold until it is done."
    ),
    RiskLevel.HIGH: (
        "High risk: immediate safety precautions and a same-day psychiatric evaluation; "
        "write (or review) the safety plan with the patient. Dosing stays on hold until it "
        "is done."
    ),
}

# Levels after which a safety plan, written or reviewed since the assessment, is needed
# before the next dose.
NEEDS_SAFETY_PLAN = frozenset({RiskLevel.MODERATE, RiskLevel.HIGH})
