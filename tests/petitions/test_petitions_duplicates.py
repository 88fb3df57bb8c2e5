"""Near-duplicate petitions: same organisation and category, within 30 days, similar kiwi
tokens, nearby when both are located; proposals of groups; the detection task."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from sotong.core.search.analyzer import analyze
from sotong.petitions import duplicates
from sotong.petitions.models import Category, PetitionGroup, Status

A = (
    "신당동 주민센터 앞 가로등 고장",
    "신당동 주민센터 앞 가로등이 고장 나서 밤에 너무 어둡습니다. 수리해 주세요.",
)
B = (
    "주민센터 앞 가로등이 꺼졌어요",
    "신당동 주민센터 앞 가로등이 며칠째 꺼져 있어 어둡습니다. 고쳐 주세요.",
)
OTHER = "구청 홈페이지 오류", "구청 누리집에서 증명서 발급 버튼이 작동하지 않습니다."


def _make(factory, text, *, tokens=True, **extra):
    title, body = text
    return factory(
        title=title,
        body=body,
        tokens=" ".join(analyze(f"{title}\n{body}")) if tokens else "",
        **extra,
    )


def test_similarity_of_rewordings_passes_the_threshold():
    a = analyze("\n".join(A))
    b = analyze("\n".join(B))
    assert duplicates.similarity(a, b) >= duplicates.THRESHOLD
    assert duplicates.similarity(a, analyze("\n".join(OTHER))) < duplicates.THRESHOLD
    assert duplicates.similarity([], a) == 0.0
    # about 1.1 km between Seoul City Hall and Jung-gu Office
    assert 900 < duplicates.distance_m(37.5663, 126.9779, 37.5641, 126.9979) < 2000


def test_candidates_found_and_not_found(petition_factory, category):
    first = _make(petition_factory, A)
    second = _make(petition_factory, B)
    _make(petition_factory, OTHER)
    found = duplicates.candidates(second)
    assert [c.petition for c in found] == [first]
    petition, score = found[0]
    assert petition.pk == found[0].pk == first.pk
    assert duplicates.THRESHOLD <= score <= 1


def test_other_category_and_old_petitions_are_not_duplicates(petition_factory, category, district):
    other = Category.objects.create(organization=district, code="road", name="도로")
    now = timezone.now()
    _make(petition_factory, A, category=other)
    _make(petition_factory, A, received_at=now - datetime.timedelta(days=45))
    _make(petition_factory, A, status=Status.TRANSFERRED)
    new = _make(petition_factory, B, received_at=now)
    assert duplicates.candidates(new) == []
    # Within 30 days, and both without category, they are.
    near = _make(petition_factory, A, received_at=now - datetime.timedelta(days=29))
    assert [c.pk for c in duplicates.candidates(new)] == [near.pk]
    loose = _make(petition_factory, A, category=None)
    loose_too = _make(petition_factory, B, category=None)
    assert [c.pk for c in duplicates.candidates(loose_too)] == [loose.pk]


def test_distance_when_both_are_located(petition_factory, category):
    here = {"latitude": Decimal("37.563600"), "longitude": Decimal("127.016900")}
    close = {"latitude": Decimal("37.564000"), "longitude": Decimal("127.017500")}  # ~70 m
    far = {"latitude": Decimal("37.572000"), "longitude": Decimal("127.016900")}  # ~930 m
    new = _make(petition_factory, B, **here)
    far_one = _make(petition_factory, A, **far)
    assert duplicates.candidates(new) == []
    close_one = _make(petition_factory, A, **close)
    unlocated = _make(petition_factory, A)
    assert {c.pk for c in duplicates.candidates(new)} == {close_one.pk, unlocated.pk}
    assert far_one.pk not in {c.pk for c in duplicates.candidates(new, limit=10)}
    assert len(duplicates.candidates(new, limit=1)) == 1
    assert duplicates.candidates(new, limit=0) == []


def test_nearby_petitions_need_less_text_in_common():
    a, b = {"가로등", "고장", "가로등고장"}, {"가로등", "어둡다", "교체"}
    value = duplicates.similarity(a, b)
    assert duplicates.NEAR_THRESHOLD <= value < duplicates.THRESHOLD
    spot = (37.5636, 127.0169)
    assert duplicates.score(a, spot, b, (37.5637, 127.0170)) == value
    assert duplicates.score(a, None, b, spot) is None


def test_rows_without_tokens_are_analysed(petition_factory, category):
    first = _make(petition_factory, A, tokens=False)
    second = _make(petition_factory, B, tokens=False)
    assert [c.pk for c in duplicates.candidates(second)] == [first.pk]


def test_proposals_cluster_open_ungrouped_petitions(
    petition_factory, category, district, admin_user
):
    now = timezone.now()
    since = now - datetime.timedelta(days=7)
    a1 = _make(petition_factory, A)
    a2 = _make(petition_factory, B)
    a3 = _make(
        petition_factory, ("가로등 고장 신고", "신당동 주민센터 앞 가로등 고장입니다. 어둡습니다.")
    )
    o1 = _make(petition_factory, OTHER)
    o2 = _make(petition_factory, ("누리집 오류", "구청 누리집 증명서 발급 버튼 작동하지 않습니다."))
    _make(petition_factory, A, status=Status.ANSWERED)  # past grouping
    _make(petition_factory, A, received_at=now - datetime.timedelta(days=20))  # before `since`
    group = PetitionGroup.objects.create(organization=district, title="묶음", created_by=admin_user)
    _make(petition_factory, A, group=group)

    found = duplicates.proposals(district, since=since)
    assert [[p.pk for p in cluster] for cluster in found] == [
        [a1.pk, a2.pk, a3.pk],
        [o1.pk, o2.pk],
    ]
    assert duplicates.proposals(district, since=now + datetime.timedelta(days=1)) == []


def test_detect_task_fills_tokens_and_reports(petition_factory, category):
    from sotong.petitions.tasks_routing import detect_duplicates

    first = _make(petition_factory, A)
    second = _make(petition_factory, B, tokens=False)
    result = detect_duplicates.enqueue(second.pk)
    assert result.return_value["candidates"][0][0] == first.pk
    second.refresh_from_db()
    assert "가로등" in second.tokens.split()
    assert detect_duplicates.enqueue(10**9).return_value == {"petition": 10**9, "candidates": []}


@pytest.mark.parametrize("days", [0, 29])
def test_window_is_symmetric(petition_factory, category, days):
    now = timezone.now()
    old = _make(petition_factory, A, received_at=now - datetime.timedelta(days=days))
    new = _make(petition_factory, B, received_at=now)
    assert [c.pk for c in duplicates.candidates(old)] == [new.pk]
