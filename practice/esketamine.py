"""Esketamine nasal spray (SPRAVATO) and its REMS: the label's numbers, in one place.

Esketamine is not racemic ketamine given another way: it is a product of its own, approved
for treatment-resistant depression and for depressive symptoms in major depressive
disorder with acute suicidal ideation or behaviour, dispensed only to healthcare settings
certified in the SPRAVATO REMS (Risk Evaluation and Mitigation Strategy). Like ketamine it
is a Schedule III controlled substance.

From the US prescribing information (SPRAVATO, Janssen Pharmaceuticals):

- Section 3 (dosage forms and strengths): one strength only, a single-use nasal spray
  device delivering 28 mg of esketamine in two sprays (one per nostril); supplied as kits
  of 2 devices (56 mg, NDC 50458-028-02) or 3 devices (84 mg, NDC 50458-028-03).
- Section 2.2 (recommended dosage): treatment-resistant depression, induction weeks 1–4
  twice a week, 56 mg on day 1, then 56 mg or 84 mg; maintenance 56 mg or 84 mg weekly,
  then every two weeks or weekly. Major depressive disorder with acute suicidal ideation
  or behaviour: 84 mg twice a week for 4 weeks, reduced to 56 mg if not tolerated. So a
  session's dose is 56 mg (2 devices) or 84 mg (3 devices) and nothing else. (Outside the
  US some labels, e.g. the EU summary of product characteristics, also give 28 mg to
  patients 65 and older; the US label does not, so 28 mg is refused here.)
- Sections 2.1 and 5.6: assess blood pressure before dosing (if it is elevated, weigh
  the risk; the clinic's pre-dose limits decide here), reassess it at about 40 minutes
  after the dose and afterwards as clinically warranted until it is back at a safe level.
- Sections 2.4, 5.1 and 5.2 and the REMS: monitor the patient for at least 2 hours after
  each dose for sedation, dissociation and respiratory depression, then assess whether
  the patient is clinically stable and ready to leave.
"""

from decimal import Decimal

from practice.choices import Route

# The routes under the REMS (one today: the nasal spray device).
ESKETAMINE_ROUTES = frozenset({Route.ESKETAMINE_NASAL})

DEVICE_MG = Decimal("28")
# mg → devices: the only doses the US label gives (section 2.2).
DOSES_MG = {Decimal("56"): 2, Decimal("84"): 3}
# The REMS: at least two hours of monitoring after each dose.
MIN_OBSERVE_MINUTES = 120
# The label's blood-pressure check after the dose: at about 40 minutes.
BP_CHECK_AT_MINUTES = 40


def is_esketamine(route: str | None) -> bool:
    return route in ESKETAMINE_ROUTES


def allowed_dose(dose_mg) -> bool:
    try:
        return Decimal(str(dose_mg)) in DOSES_MG
    except ArithmeticError:
        return False


def doses_text() -> str:
    return " or ".join(f"{mg:f} mg ({devices} devices)" for mg, devices in DOSES_MG.items())
