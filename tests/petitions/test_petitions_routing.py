"""Routing suggestions: training on an organisation's final assignments, the keyword cold start,
the JSON model and the task and command that retrain it."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from sotong.core.search.analyzer import analyze
from sotong.petitions import routing
from sotong.petitions.models import Category, RoutingModel, Status

PARKING = [
    "{place} 앞 불법주차 차량 단속 요청",
    "{place} 골목에 주차된 차량 때문에 통행이 어렵습니다 견인해 주세요",
    "{place} 소방도로 불법 주정차 단속 부탁드립니다",
    "{place} 인도 위 주차 차량 신고합니다",
    "{place} 거주자우선주차 구역에 외부 차량이 주차합니다",
]
WASTE = [
    "{place} 쓰레기 무단투기 단속해 주세요",
    "{place} 음식물 쓰레기 수거가 안 되었습니다",
    "{place} 대형폐기물 방치 신고합니다",
    "{place} 재활용 쓰레기 분리배출이 엉망입니다 수거 요청",
    "{place} 종량제 봉투 쓰레기가 쌓여 악취가 납니다",
]
LIGHTS = [
    "{place} 가로등이 고장 나서 밤에 어둡습니다",
    "{place} 보안등 불이 꺼져 있습니다 수리 요청",
    "{place} 신호등 고장 신고합니다",
    "{place} 가로등 전구 교체 부탁드립니다",
    "{place} 보안등 설치를 요청합니다",
]
PLACES = ["신당동", "황학동", "약수역", "명동", "중림동", "회현동"]


@pytest.fixture
def third_department(district):
    from sotong.org.models import Department

    return Department.objects.create(organization=district, name="주차관리과", duties="주차")


def _make(factory, title, department=None, status=Status.CLOSED, **extra):
    return factory(
        title=title,
        body=title + ". 빠른 처리 부탁드립니다.",
        tokens=" ".join(analyze(title + "\n" + title + ". 빠른 처리 부탁드립니다.")),
        department=department,
        status=status,
        **extra,
    )


@pytest.fixture
def history(petition_factory, department, other_department, third_department, category):
    """Final assignments: parking → 주차관리과, waste → 청소행정과, lights → 민원여권과."""
    waste_category = Category.objects.create(
        organization=category.organization,
        code="waste",
        name="청소",
        department=other_department,
    )
    parking_category = Category.objects.create(
        organization=category.organization,
        code="parking",
        name="주차",
        department=third_department,
    )
    for place in PLACES:
        for text in PARKING:
            _make(
                petition_factory,
                text.format(place=place),
                third_department,
                category=parking_category,
            )
        for text in WASTE:
            _make(
                petition_factory,
                text.format(place=place),
                other_department,
                category=waste_category,
            )
        for text in LIGHTS:
            _make(petition_factory, text.format(place=place), department, category=category)
    return {"parking": parking_category, "waste": waste_category, "lights": category}


@pytest.fixture(autouse=True)
def _fresh_cache():
    routing._cache.clear()
    yield
    routing._cache.clear()


def test_training_picks_the_department_of_the_history(
    history, district, petition_factory, third_department, other_department
):
    model = routing.train(district)
    assert model.examples == 90
    assert model.data["departments"] is not None

    new = _make(petition_factory, "을지로 이면도로 불법주차 단속 바랍니다", status=Status.RECEIVED)
    found = routing.suggest(new)
    assert found[0].department == third_department
    assert found[0].category == history["parking"]
    assert "배정 이력" in found[0].reason
    assert len(found) == 3

    waste = routing.suggest("골목에 음식물 쓰레기를 무단투기합니다", organization=district)
    assert waste[0].department == other_department
    assert waste[0].category == history["waste"]


def test_confidences_are_sorted_probabilities(history, district):
    routing.train(district)
    for text in ["가로등 고장", "쓰레기", "주차", "구청 홈페이지 문의"]:
        found = routing.suggest(text, organization=district, k=3)
        confidences = [s.confidence for s in found]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert len({s.department.pk for s in found}) == len(found)


def test_only_final_assignments_are_learnt(history, district, petition_factory, department):
    # Transferred petitions and ones still waiting (received, assigned) teach nothing.
    for status in (Status.TRANSFERRED, Status.RECEIVED, Status.ASSIGNED):
        for place in PLACES:
            _make(petition_factory, f"{place} 불법주차 단속", department, status=status)
    model = routing.train(district)
    assert model.examples == 90


def test_closed_departments_are_never_suggested(history, district, third_department):
    routing.train(district)
    third_department.active = False
    third_department.save(update_fields=["active"])
    found = routing.suggest("불법주차 단속 요청", organization=district)
    # Suggestions still come, from the open departments only.
    assert found
    assert third_department not in [s.department for s in found]


def test_cold_start_uses_category_keywords(district, petition_factory, department, category):
    new = _make(petition_factory, "우리 동네 보안등이 고장 났어요", status=Status.RECEIVED)
    found = routing.suggest(new)
    assert len(found) == 1
    assert found[0].department == department
    assert found[0].category == category
    assert found[0].reason.startswith("핵심어")
    assert 0 < found[0].confidence <= routing.KEYWORD_CONFIDENCE

    # Too little history: still keywords, and the model row says so.
    model = routing.train(district)
    assert model.data["departments"] is None
    assert routing.suggest(new)[0].reason.startswith("핵심어")
    assert routing.suggest("아무 관련 없는 문의입니다", organization=district) == []


def test_multi_word_keywords_need_all_their_words(district, other_department):
    Category.objects.create(
        organization=district,
        code="dump",
        name="무단투기",
        keywords="쓰레기 무단투기, 대형폐기물",
        department=other_department,
    )
    assert routing.suggest("쓰레기 무단투기 신고", organization=district)[0].department == (
        other_department
    )
    assert routing.suggest("쓰레기 수거 요청", organization=district) == []


def test_model_json_round_trip(history, district):
    model = routing.train(district)
    stored = RoutingModel.objects.get(pk=model.pk)
    text = json.dumps(stored.data)  # plain JSON, no pickle
    data = json.loads(text)["departments"]
    classifier = routing.Classifier.from_json(data)
    again = routing.Classifier.from_json(json.loads(json.dumps(classifier.to_json())))
    tokens = analyze("신당동 가로등 고장 수리 요청")
    assert classifier.rank(tokens) == again.rank(tokens)
    np.testing.assert_allclose(classifier.probabilities(tokens), again.probabilities(tokens))
    assert classifier.vocabulary == again.vocabulary


def test_bad_model_data_is_refused():
    classifier = routing.fit([["주차"], ["쓰레기"]], ["a", "b"])
    data = classifier.to_json()
    data["variant"] = "pickle"
    with pytest.raises(ValueError):
        routing.Classifier.from_json(data)


def test_fit_selects_a_variant_on_enough_data():
    docs, labels = [], []
    for i in range(40):
        docs.append(["주차", "단속", f"장소{i % 7}"])
        labels.append("parking")
        docs.append(["쓰레기", "수거", f"장소{i % 7}"])
        labels.append("waste")
    classifier = routing.fit(docs, labels)
    assert (classifier.variant, classifier.alpha) in routing.GRID
    assert classifier.temperature > 0
    assert classifier.rank(["주차"], k=1)[0][0] == "parking"
    assert classifier.rank(["미지의", "단어"], k=2)[0][1] <= 1.0


def test_newest_models_are_kept(history, district):
    for _ in range(routing.KEEP_MODELS + 2):
        routing.train(district)
    assert RoutingModel.objects.filter(organization=district).count() == routing.KEEP_MODELS


def test_task_and_command_retrain(history, district):
    from sotong.petitions.tasks_routing import train_routing

    result = train_routing.enqueue(district.pk)
    assert result.return_value["trained"] is True
    out = StringIO()
    call_command("petitions_train_routing", "--organization", district.code, stdout=out)
    assert "90건" in out.getvalue()
    call_command("petitions_train_routing", stdout=StringIO())
    assert RoutingModel.objects.filter(organization=district).count() == routing.KEEP_MODELS
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("petitions_train_routing", "--organization", "nowhere", stdout=out)


@pytest.mark.django_db
def test_tick_retrains_stale_models_once_a_day(petition_factory, district, monkeypatch):
    import datetime

    from django.utils import timezone

    from sotong.petitions import tasks_routing
    from sotong.petitions.models import RoutingModel
    from sotong.petitions.tasks import run_tick

    queued = []
    petition_factory()
    monkeypatch.setattr(
        "sotong.core.tasks.enqueue_on_commit", lambda task, *args: queued.append((task, args))
    )
    now = timezone.now()
    assert tasks_routing.routing_retrain_due(now) == 1
    assert queued == [(tasks_routing.train_routing, (district.pk,))]
    RoutingModel.objects.create(organization=district, trained_at=now - datetime.timedelta(hours=1))
    assert tasks_routing.routing_retrain_due(now) == 0
    assert run_tick(now)["routing"] == 0
