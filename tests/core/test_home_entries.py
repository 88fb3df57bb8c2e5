"""The home page leads to what residents come for: petitions, the eligibility check, the service
catalogue and notification sign-up, whether logged in or not."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ENTRIES = ["/petitions/", "/services/eligibility/", "/services/", "/notify/subscribe"]


def test_home_links_the_main_services_for_visitors(client):
    html = client.get("/").content.decode()
    entries = html[html.index('aria-labelledby="entry-title"') :]
    for path in ENTRIES:
        assert f'href="{path}"' in entries, path


def test_home_links_the_main_services_for_residents(client, resident):
    client.force_login(resident)
    html = client.get("/").content.decode()
    entries = html[html.index('aria-labelledby="entry-title"') :]
    for path in ENTRIES:
        assert f'href="{path}"' in entries, path
