"""Reference facts about ketamine by route, shown next to plans and doses for orientation.

Approximate values from the published pharmacology literature (bioavailability as a share
of an IV dose). They inform; they never prescribe. The clinician decides every dose.
"""

from dataclasses import dataclass

from practice.choices import Route


@dataclass(frozen=True)
class RouteFacts:
    route: str
    bioavailability: str
    onset: str
    duration: str
    typical_setting: str
    typical_dose: str


ROUTE_FACTS: dict[str, RouteFacts] = {
    Route.INTRAVENOUS: RouteFacts(
        Route.INTRAVENOUS,
        "100 % (reference)",
        "Within 1–2 minutes",
        "Infusion of about 40 minutes; effects end within about an hour after it stops",
        "Infusion clinic with continuous cardiac and SpO2 monitoring, IV access throughout",
        "0.5 mg/kg over 40 minutes in depression protocols",
    ),
    Route.INTRAMUSCULAR: RouteFacts(
        Route.INTRAMUSCULAR,
        "About 93 %",
        "About 3–5 minutes",
        "Peak experience 45–60 minutes; recovery by about 2 hours",
        "In-office KAP with a prescriber present and vital signs every 10–15 minutes",
        "0.5–1.0 mg/kg, titrated over the induction",
    ),
    Route.ORAL: RouteFacts(
        Route.ORAL,
        "About 20–30 % held in the mouth (sublingual/buccal); about 17–20 % if swallowed",
        "About 15–30 minutes",
        "1–2 hours; after-effects may last longer",
        "In-office sessions, or at home under a prescriber's protocol with a monitor present",
        "100–300 mg lozenge/troche, held 10–15 minutes then spat or swallowed",
    ),
    Route.INTRANASAL: RouteFacts(
        Route.INTRANASAL,
        "About 25–50 %",
        "About 5–10 minutes",
        "About 1–2 hours",
        "In-office with at least 2 hours of monitoring (the esketamine model)",
        "Racemic ketamine off-label; esketamine only in certified settings",
    ),
    Route.SUBCUTANEOUS: RouteFacts(
        Route.SUBCUTANEOUS,
        "About 75–95 %",
        "About 5–15 minutes",
        "About 1–2 hours",
        "In-office with vital-sign monitoring, as for intramuscular",
        "0.1–0.5 mg/kg in published depression studies",
    ),
}


def route_facts(route: str) -> RouteFacts:
    return ROUTE_FACTS[route]
