"""Starting texts for the five consent documents: what each holds and the named fields it
uses. A clinic publishes its own wording (its lawyer's); these are the first draft the
template form offers and what the demo clinic publishes. Not legal advice."""

from practice.choices import ConsentKind

DEFAULT_TEXTS = {
    ConsentKind.KAP_INFORMED_CONSENT: (
        "Informed consent for ketamine-assisted psychotherapy",
        """I, {{ patient_name }} (born {{ date_of_birth }}), agree to ketamine-assisted \
psychotherapy at {{ clinic_name }} under the care of {{ prescriber }}.

What it is: ketamine is given by the route in my treatment plan (intramuscular, oral, \
intravenous, subcutaneous or intranasal), alongside preparation and integration therapy. Its \
use for depression, anxiety and PTSD is off-label: it is not approved by the FDA for these \
conditions.

Risks I have been told about: a rise in blood pressure and heart rate; nausea and vomiting; \
dizziness; dissociation, altered perception and, rarely, a distressing experience; bladder \
irritation with frequent use; misuse and dependence. I will not drive or operate machinery \
until the next day and will leave with an escort.

Alternatives: antidepressant medication, psychotherapy alone, esketamine under its REMS, \
TMS and ECT were discussed. I may stop treatment at any time.

I have had the chance to ask questions and they were answered. Signed on {{ date }}.""",
    ),
    ConsentKind.CONTROLLED_SUBSTANCE_AGREEMENT: (
        "Controlled-substance agreement",
        """{{ patient_name }} and {{ clinic_name }} agree on the use of ketamine, a Schedule \
III controlled substance, prescribed and supervised by {{ prescriber }}.

I will take ketamine only at the clinic, as given by its staff, and never take any home \
unless my plan says so in writing. I will tell the clinic about every medication and \
substance I use, including alcohol and cannabis, and not use them before a session as \
instructed. I will not seek ketamine from anyone else. I understand that the clinic may \
stop treatment if this agreement is broken, and that it keeps a record of every dose as \
the law requires. Signed on {{ date }}.""",
    ),
    ConsentKind.TELEHEALTH: (
        "Consent to telehealth",
        """I, {{ patient_name }}, agree that {{ clinic_name }} may hold preparation and \
integration sessions with me by secure video. I will join from a private place in the state \
where the clinician is licensed, and tell the clinician where I am at the start of each \
session. Video may fail; if it does, the clinician will call me. Dosing is never done by \
video. I may ask for in-person care instead at any time. Signed on {{ date }}.""",
    ),
    ConsentKind.FINANCIAL_POLICY: (
        "Financial and cancellation policy",
        """{{ patient_name }} agrees to the financial policy of {{ clinic_name }}.

Payment is due at the time of service. Most insurers do not pay the clinic directly for \
ketamine-assisted psychotherapy; the clinic gives a superbill for out-of-network \
reimbursement, which is not guaranteed. A session cancelled less than 48 hours before it \
starts, or missed, is charged in full unless the clinic waives it. Signed on {{ date }}.""",
    ),
    ConsentKind.RELEASE_OF_INFORMATION: (
        "Authorization to release health information",
        """I, {{ patient_name }} (born {{ date_of_birth }}), authorize {{ clinic_name }} to \
share my treatment summary, diagnoses and medication list with my primary care provider \
and referring clinician, for coordination of my care. This authorization lasts one year \
from {{ date }} unless I revoke it in writing earlier; revoking it does not undo what was \
already shared. Psychotherapy notes are never released under this authorization.""",
    ),
}
