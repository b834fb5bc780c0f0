"""Reference facts about ketamine by route (and esketamine, a product of its own), shown
next to plans and doses for orientation.

Approximate values from the published pharmacology literature (bioavailability as a share
of an IV dose), each bioavailability figure with its source beside it. They inform; they
never prescribe. The clinician decides every dose.

Sources of the bioavailability figures:
- Clements JA, Nimmo WS, Grant IS. Bioavailability, pharmacokinetics, and analgesic
  activity of ketamine in humans. J Pharm Sci 1982;71(5):539–542 (IM 93 %, oral 17 %).
- Yanagihara Y, et al. Plasma concentration profiles of ketamine and norketamine after
  administration of various ketamine preparations to healthy Japanese volunteers.
  Biopharm Drug Dispos 2003;24(1):37–43 (nasal spray about 45 %, sublingual about 30 %,
  oral tablet about 20 %).
- Malinovsky JM, et al. Ketamine and norketamine plasma concentrations after i.v., nasal
  and rectal administration in children. Br J Anaesth 1996;77(2):203–207 (nasal 50 %).
- Rolan P, et al. The absolute bioavailability of racemic ketamine from a novel
  sublingual formulation. Br J Clin Pharmacol 2014;77(6):1011–1016 (sublingual 29 %).
- Chong C, et al. Bioavailability of ketamine after oral or sublingual administration.
  Pain Med 2006;7(5):469 (sublingual 32 %, oral 23 %).
- SPRAVATO (esketamine) nasal spray, US prescribing information, section 12.3 (mean
  absolute bioavailability about 48 %; peak plasma 20–40 minutes after the last spray).
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
    bioavailability_source: str = ""


ROUTE_FACTS: dict[str, RouteFacts] = {
    Route.INTRAVENOUS: RouteFacts(
        Route.INTRAVENOUS,
        "100 % (reference)",
        "Within 1–2 minutes",
        "Infusion of about 40 minutes; effects end within about an hour after it stops",
        "Infusion clinic with continuous cardiac and SpO2 monitoring, IV access throughout",
        "0.5 mg/kg over 40 minutes in depression protocols",
        "By definition: the reference the other routes are measured against",
    ),
    Route.INTRAMUSCULAR: RouteFacts(
        Route.INTRAMUSCULAR,
        "About 93 %",
        "About 3–5 minutes",
        "Peak experience 45–60 minutes; recovery by about 2 hours",
        "In-office KAP with a prescriber present and vital signs every 10–15 minutes",
        "0.5–1.0 mg/kg, titrated over the induction",
        "Clements et al., J Pharm Sci 1982 (93 %)",
    ),
    Route.ORAL: RouteFacts(
        Route.ORAL,
        "About 29–32 % held in the mouth (sublingual/buccal); about 17–23 % if swallowed",
        "About 15–30 minutes",
        "1–2 hours; after-effects may last longer",
        "In-office sessions, or at home under a prescriber's protocol with a monitor present",
        "100–300 mg lozenge/troche, held 10–15 minutes then spat or swallowed",
        "Held in the mouth: Rolan et al., Br J Clin Pharmacol 2014 (29 %); Chong et al., "
        "Pain Med 2006 (32 %); Yanagihara et al., Biopharm Drug Dispos 2003 (about 30 %). "
        "Swallowed: Clements et al., J Pharm Sci 1982 (17 %); Yanagihara et al. 2003 "
        "(about 20 %); Chong et al. 2006 (23 %)",
    ),
    Route.INTRANASAL: RouteFacts(
        Route.INTRANASAL,
        "About 45–50 %",
        "About 5–10 minutes",
        "About 1–2 hours",
        "In-office with at least 2 hours of monitoring (the esketamine model)",
        "Racemic ketamine off-label; esketamine only in certified settings",
        "Yanagihara et al., Biopharm Drug Dispos 2003 (about 45 %); Malinovsky et al., "
        "Br J Anaesth 1996 (50 %)",
    ),
    Route.ESKETAMINE_NASAL: RouteFacts(
        Route.ESKETAMINE_NASAL,
        "About 48 % (esketamine, not racemic ketamine)",
        "Peak plasma 20–40 minutes after the last spray",
        "Sedation and dissociation usually ease within about 1–1.5 hours of the dose",
        "REMS-certified setting only; blood pressure before and about 40 minutes after the "
        "dose; at least 2 hours of monitoring",
        "56 mg (2 devices) or 84 mg (3 devices) twice a week in the 4-week induction",
        "SPRAVATO prescribing information, section 12.3 (about 48 %)",
    ),
    Route.SUBCUTANEOUS: RouteFacts(
        Route.SUBCUTANEOUS,
        "Not established in humans; assumed close to intramuscular",
        "About 5–15 minutes",
        "About 1–2 hours",
        "In-office with vital-sign monitoring, as for intramuscular",
        "0.1–0.5 mg/kg in published depression studies",
        "No human study of its absolute bioavailability is cited here, so no figure is given",
    ),
}


def route_facts(route: str) -> RouteFacts:
    return ROUTE_FACTS[route]
