"""Customer pages: search tolerates junk, edits keep the version rule."""

from __future__ import annotations

from typing import Any

from tests.conftest import Records


def test_page_search_with_nul_character_is_harmless(browser_client: Any, records: Records) -> None:
    response = browser_client("rep1").get("/customers/", {"q": "杭州\x00"})
    assert response.status_code == 200
    assert records.own.name in response.content.decode()


def test_page_edit_with_stale_version_shows_conflict_and_keeps_data(browser_client: Any, records: Records) -> None:
    client = browser_client("rep1")
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    url = f"/customers/{records.own.pk}/edit/"
    first = client.post(url, {"name": "第一次", "phone": "", "version": 1, "csrfmiddlewaretoken": token})
    assert first.status_code == 302
    stale = client.post(url, {"name": "第二次", "phone": "", "version": 1, "csrfmiddlewaretoken": token})
    assert stale.status_code == 409
    records.own.refresh_from_db()
    assert (records.own.name, records.own.version) == ("第一次", 2)
