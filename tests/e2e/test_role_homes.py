"""Each role signs in through the real login page and lands on its own home."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [
        ("alice", "/patients/", "Patients"),
        ("bob", "/today/", "Good day, Bob"),
        ("dana", "/today/", "Good day, Dana"),
        ("erin", "/portal/", "Welcome, Erin"),
    ],
)
def test_each_role_lands_on_its_home_page(
    people, page, login, live_server, username, path, heading
):
    login(username)
    assert page.url == f"{live_server.url}{path}"
    assert page.locator("h1").first.inner_text() == heading
    assert page.get_by_test_id("whoami").is_visible()


def test_a_wrong_password_is_refused_with_a_message(people, page, login):
    login("alice", password="not-the-password")
    assert "/login/" in page.url
    assert "didn't match" in page.locator(".alert").inner_text()
