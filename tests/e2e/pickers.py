"""Driving the patient picker (a search: htmx fills a datalist from /patients/search/)."""


def choose_patient(page, typed: str, name: str) -> None:
    """Type into the patient picker and take the offered match for `name` (htmx fills the
    datalist from /patients/search/). Typing before htmx has started sends no search, so
    wait for the page's load first."""
    page.wait_for_load_state("load")
    page.fill("#id_patient", "")
    page.type("#id_patient", typed)
    option = page.locator(f'#id_patient-matches option[value^="{name} "]')
    option.wait_for(state="attached")
    page.fill("#id_patient", option.get_attribute("value"))
