"""The queries of an Open311 POST (issue 12, point 7: the intake path does the minimum). With the
POST's lookups kept per worker (`open311/directory.py`), a request stores the petition and
nothing more; its receipt (timeline, assignment, notices, audit) is the `intake` task's."""

from __future__ import annotations

import pytest

import sotong.petitions.events  # noqa: F401  (the petitions' notification events)
from sotong.petitions.models import Petition

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.xml"


@pytest.fixture
def api_key(district):
    from sotong.petitions.open311.keys import open311_key_create

    _key, raw = open311_key_create(actor=None, organization=district, name="주민 신고 앱")
    return raw


def post_data(api_key: str, n: int) -> dict[str, str]:
    return {
        "api_key": api_key,
        "service_code": "street-light",
        "address_string": "서울 중구 을지로 100",
        "description": f"을지로 {n} 앞 가로등이 꺼져 있습니다.",
        "email": f"resident{n}@example.kr",
    }


def test_a_post_stores_the_petition_and_nothing_more(
    client, category, board, api_key, django_assert_num_queries
):
    # The first POST of a worker looks up what it needs: the key (and marks it used), the service,
    # the board, the kind's period; then the organisation's closing days for the deadline and the
    # INSERT (in a savepoint: a replay racing it must not break the caller's transaction — here
    # the test's; in autocommit no savepoint is written).
    with django_assert_num_queries(9):
        first = client.post(URL, post_data(api_key, 0), HTTP_IDEMPOTENCY_KEY="k0")
    assert first.status_code == 200, first.content.decode()
    # Every further POST within OPEN311_DIRECTORY_TTL: the INSERT alone (closing days are kept
    # per process too). The receipt follows in the `intake` task, queued once the request commits.
    for n in (1, 2):
        with django_assert_num_queries(3):
            response = client.post(URL, post_data(api_key, n), HTTP_IDEMPOTENCY_KEY=f"k{n}")
        assert response.status_code == 200, response.content.decode()
    assert Petition.objects.filter(channel="open311", intake_pending=True).count() == 3
