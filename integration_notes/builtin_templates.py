"""The templates every clinic starts with. A clinic can revise them or add its own."""


def _f(key, label, kind="long_text", *, required=False, help="", options=None):
    field = {"key": key, "label": label, "kind": kind, "required": required, "help": help}
    if options:
        field["options"] = list(options)
    return field


BUILTIN_TEMPLATES = [
    {
        "key": "kap-preparation",
        "name": "KAP preparation",
        "description": "Before a dosing session: what the patient hopes for and how they are set.",
        "session_kinds": ["preparation"],
        "position": 10,
        "fields": [
            _f("goals", "Goals", required=True, help="What the patient wants from treatment."),
            _f("intentions", "Intentions", required=True, help="For the coming dosing session."),
            _f("concerns", "Concerns", help="Fears, questions, medical or practical worries."),
            _f("set_and_setting", "Set and setting", help="Mindset, music, support, escort."),
            _f("consent_reviewed", "Consent reviewed", "yes_no", required=True),
        ],
        "show_alongside": [],
    },
    {
        "key": "kap-dosing",
        "name": "Dosing session",
        "description": "For the clinician present during a dosing session.",
        "session_kinds": ["dosing"],
        "position": 20,
        "fields": [
            _f("mental_state_before", "Mental state before", required=True),
            _f("support_during", "What the patient needed during"),
            _f("emergence", "Emergence", required=True, help="Orientation, affect, reactions."),
            _f("after", "After", help="State at discharge, escort, follow-up."),
        ],
        "show_alongside": [{"template": "kap-preparation", "field": "intentions"}],
    },
    {
        "key": "kap-integration",
        "name": "KAP integration",
        "description": "After a dosing session: turning the experience into lasting change.",
        "session_kinds": ["integration"],
        "position": 30,
        "fields": [
            _f("experience", "The experience in the patient's words", required=True),
            _f("insights", "Insights"),
            _f("emotions", "Emotions"),
            _f("body", "Body", help="Sensations, somatic experience."),
            _f("practices", "Integration practices agreed", required=True),
            _f(
                "risk_level",
                "Risk assessment",
                "choice",
                required=True,
                options=["No current risk", "Low", "Moderate", "High"],
            ),
            _f("risk_notes", "Risk notes", help="Ideation, plan, protective factors."),
            _f("next_plan", "Plan for the next session", required=True),
        ],
        "show_alongside": [
            {"template": "kap-preparation", "field": "intentions"},
            {"template": "kap-preparation", "field": "goals"},
        ],
    },
    {
        "key": "soap",
        "name": "SOAP",
        "description": "Subjective, objective, assessment, plan.",
        "session_kinds": [],
        "position": 50,
        "fields": [
            _f("subjective", "Subjective", required=True),
            _f("objective", "Objective", required=True),
            _f("assessment", "Assessment", required=True),
            _f("plan", "Plan", required=True),
        ],
        "show_alongside": [],
    },
    {
        "key": "dap",
        "name": "DAP",
        "description": "Data, assessment, plan.",
        "session_kinds": [],
        "position": 60,
        "fields": [
            _f("data", "Data", required=True),
            _f("assessment", "Assessment", required=True),
            _f("plan", "Plan", required=True),
        ],
        "show_alongside": [],
    },
    {
        "key": "birp",
        "name": "BIRP",
        "description": "Behaviour, intervention, response, plan.",
        "session_kinds": [],
        "position": 70,
        "fields": [
            _f("behavior", "Behavior", required=True),
            _f("intervention", "Intervention", required=True),
            _f("response", "Response", required=True),
            _f("plan", "Plan", required=True),
        ],
        "show_alongside": [],
    },
]
