"""Keeping the index in step: hooks → background task after commit, the statistics, and
`manage.py search_reindex`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sotong.core.search import index_object, remove_object, search
from sotong.core.search.backends import get_backend
from sotong.core.search.models import SearchDocument, SearchTerm
from sotong.org.models import Department


def statistics():
    return dict(SearchTerm.objects.values_list("token", "documents"))


def assert_statistics_exact():
    """The statistics kept up to date change by change equal a recount from the index."""
    kept = statistics()
    get_backend().rebuild_statistics()
    assert kept == statistics()


def test_saving_indexes_after_commit(docs, district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        department = Department.objects.create(
            organization=district, name="n-hook", duties="여권 발급\n여권은 민원실에서"
        )
    # Nothing is indexed before the transaction commits (a rollback would send nothing).
    assert not SearchDocument.objects.filter(type="note").exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert [hit.title for hit in search(user=None, q="여권").hits] == ["여권 발급"]

    with django_capture_on_commit_callbacks(execute=True):
        department.duties = "주차 요금\n공영 주차장"
        department.save()
    assert search(user=None, q="여권").total == 0
    assert [hit.title for hit in search(user=None, q="주차 요금").hits] == ["주차 요금"]

    with django_capture_on_commit_callbacks(execute=True):
        department.delete()
    assert search(user=None, q="주차").total == 0
    assert not SearchDocument.objects.filter(type="note").exists()
    assert_statistics_exact()


def test_leaving_the_queryset_removes_from_the_index(docs, django_capture_on_commit_callbacks):
    department = docs.add("도서관 운영 시간", "평일 9시부터")
    assert search(user=None, q="도서관").total == 1
    with django_capture_on_commit_callbacks(execute=True):
        department.active = False  # the type's queryset holds active departments only
        department.save()
    assert search(user=None, q="도서관").total == 0
    with django_capture_on_commit_callbacks(execute=True):
        index_object(department)  # explicit re-index: still outside, still absent
    assert search(user=None, q="도서관").total == 0


def test_explicit_removal_and_repeated_tasks_are_harmless(docs, django_capture_on_commit_callbacks):
    department = docs.add("체육관 대관", "주말 대관 안내")
    with django_capture_on_commit_callbacks(execute=True):
        remove_object(department)
        remove_object(department)
    assert search(user=None, q="체육관").total == 0
    with django_capture_on_commit_callbacks(execute=True):
        index_object(department)
        index_object(department)
    assert search(user=None, q="체육관").total == 1
    assert SearchDocument.objects.filter(type="note").count() == 1
    assert_statistics_exact()


def test_models_without_a_type_enqueue_nothing(district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        Department.objects.create(organization=district, name="n-plain", duties="아무 내용")
    assert callbacks == []


def test_statistics_stay_exact_through_changes(docs):
    backend = get_backend()
    made = [docs.add(f"공원 {n}", f"공원 산책로 {n} 주차") for n in range(6)]
    made[0].duties = "공원 산책\n완전히 다른 내용 도서관"
    made[0].save()
    from sotong.core.search import index_objects

    index_objects("note", [made[0], made[1], made[1]])
    backend.delete([("note", str(made[2].pk)), ("note", "no-such-id")])
    assert_statistics_exact()
    assert statistics()[SearchTerm.DOCUMENTS] == 5
    assert statistics()["공원"] == 5
    assert statistics()["도서관"] == 1


def test_reindex_builds_removes_and_is_idempotent(docs, district):
    kept = [docs.add(f"안내 {n}", f"버스 노선 {n}") for n in range(4)]
    Department.objects.filter(pk=kept[0].pk).update(active=False)  # no hook: a stale document
    SearchDocument.objects.create(
        type="gone", object_id="1", url="/x", title="사라진 종류", title_tokens="버스"
    )
    get_backend().rebuild_statistics()
    err = io.StringIO()
    out = io.StringIO()
    call_command("search_reindex", stdout=out, stderr=err)
    assert "note: 색인 3건, 삭제 1건, 실패 0건" in out.getvalue()
    assert "메모" in err.getvalue()  # the progress bar, labelled with the type
    assert set(SearchDocument.objects.values_list("type", flat=True)) == {"note"}
    assert search(user=None, q="버스").total == 3
    first = (
        statistics(),
        list(SearchDocument.objects.order_by("pk").values_list("pk", "title_tokens")),
    )
    call_command("search_reindex", "note", "--no-progress", stdout=io.StringIO())
    second = (
        statistics(),
        list(SearchDocument.objects.order_by("pk").values_list("pk", "title_tokens")),
    )
    assert first == second
    assert_statistics_exact()


def test_reindex_command_checks_its_arguments(docs):
    with pytest.raises(CommandError, match="'nothing'라는 검색 문서 종류가 없습니다"):
        call_command("search_reindex", "nothing", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("search_reindex", "--batch-size", "0", stdout=io.StringIO())


def test_reindex_lists_failures_and_keeps_going(docs, district):
    from sotong.core.search import DocumentType, register, unregister

    good = docs.add("정상 안내", "정상 내용")
    broken = docs.add("고장 안내", "고장 내용")

    def extract(department):
        if department.pk == broken.pk:
            raise ValueError("broken extract")
        title, _, body = department.duties.partition("\n")
        return {"title": title, "body": body}

    unregister("note")
    register(
        DocumentType(
            name="note",
            label="메모",
            model=Department,
            fields={"title": 3.0, "body": 1.0},
            extract=extract,
            url=lambda department: f"/notes/{department.pk}",
        )
    )
    try:
        with pytest.raises(CommandError, match=f"note:{broken.pk}"):
            call_command("search_reindex", "note", "--no-progress", stdout=io.StringIO())
        assert [hit.object_id for hit in search(user=None, q="정상").hits] == [str(good.pk)]
        # The object that failed keeps its earlier document rather than losing it.
        assert [hit.object_id for hit in search(user=None, q="고장").hits] == [str(broken.pk)]
    finally:
        unregister("note")
