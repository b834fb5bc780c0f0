"""axe-core checks every page the browser tests visit (tests/e2e/conftest.py)."""

from collections import Counter

import pytest

from tests.e2e.conftest import AXE_MISSING, AXE_SCRIPT, axe_installed


def test_accessibility_checker_is_installed():
    if not axe_installed():
        pytest.skip(f"{AXE_MISSING}: pages are not checked for accessibility")
    assert AXE_SCRIPT.stat().st_size > 100_000


@pytest.mark.django_db(transaction=True)
def test_a_serious_violation_on_a_visited_page_is_caught(people, page, login):
    if page.axe is None:
        pytest.skip(AXE_MISSING)
    login("erin")
    assert page.axe.findings == []
    # A select without a name is critical (select-name): the check must see it.
    page.evaluate("document.querySelector('main').append(document.createElement('select'))")
    # (Counted apart: the run's figures are about the project's pages.)
    page.axe.check(tally={"pages": 0, "impacts": Counter(), "rules": Counter()})
    assert any("select-name (critical)" in finding for finding in page.axe.findings)
    page.axe.findings.clear()
