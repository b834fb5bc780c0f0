"""The words of self-harm that flag a patient's secure message for the care team.

A patient message that contains any of these phrases puts its thread at the top of the care
team's inbox with a banner until a staff member clears the flag with a note. The list is
deliberately short, plain and reviewable: it is a prompt for a person to read the message
soon, not a risk assessment (that is the C-SSRS in `practice`). A clinic that wants to add
phrases changes this list (and its test) in code, so every change is reviewed.

Rules of matching (`matched_terms`):
- case does not matter ("Suicide", "SUICIDE");
- a phrase matches only as whole words: "overdose" matches "an overdose" but
  "pseudosuicide" and "overdosed" do not (each form that should count is listed);
- any run of spaces or line breaks between the words of a phrase counts as one space;
- curly apostrophes count as straight ones ("don’t want to live");
- only the patient's own messages are checked, never the care team's answers.
"""

import re

SELF_HARM_TERMS: tuple[str, ...] = (
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "end it all",
    "take my own life",
    "hurt myself",
    "hurting myself",
    "harm myself",
    "harming myself",
    "self-harm",
    "self harm",
    "cut myself",
    "cutting myself",
    "overdose",
    "overdosed",
    "don't want to live",
    "do not want to live",
    "want to die",
    "better off dead",
    "no reason to live",
)


def _pattern(term: str) -> re.Pattern:
    words = [re.escape(word) for word in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


_PATTERNS = [(term, _pattern(term)) for term in SELF_HARM_TERMS]


def matched_terms(text: str) -> list[str]:
    """The listed phrases that occur in `text`, in list order (empty: nothing matched)."""
    normal = (text or "").replace("\u2019", "'").replace("\u2018", "'")
    return [term for term, pattern in _PATTERNS if pattern.search(normal)]
