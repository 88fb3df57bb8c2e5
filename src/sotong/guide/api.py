"""The service guide's JSON API, mounted at /api/services/ (see sotong.api for the error shape).

POST /api/services/match — which published services fit these answers, with the reason of each
verdict. Nothing is stored: the answers live only in the request."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from sotong.core.api_schema import ErrorOut
from sotong.guide.eligibility import engine as eligibility
from sotong.guide.models import Service

router = Router(tags=["services"])

SERVICE_IDS_MAX = 200

HouseholdType = Literal[
    "single", "couple", "with_children", "single_parent", "grandparent", "multicultural", "other"
]
Employment = Literal["employed", "self_employed", "unemployed", "student", "retired", "other"]
Status = Literal["eligible", "maybe", "not_eligible", "unknown"]


class MatchIn(Schema):
    """A resident's answers; every one is optional (a rule that needs a missing answer is
    reported as 정보 부족, met null)."""

    model_config = ConfigDict(extra="forbid")

    age: int | None = Field(None, description="만 나이, 0–120")
    birth_date: date | None = Field(
        None,
        description="생년월일 (YYYY-MM-DD, 미래 불가). age와 함께 주면 이것을 쓰며, 서로 맞아야 합니다.",
    )
    organization: str | None = Field(
        None, description="사는 구: 이름(서대문구, 서울특별시 서대문구) 또는 영문 코드(seodaemun)"
    )
    dong: str | None = Field(None, description="행정동 이름 (organization의 행정동)")
    household_size: int | None = Field(None, description="가구원 수, 1–20")
    monthly_income: int | None = Field(None, description="가구 월 소득(원), 0–1,000,000,000")
    household_type: HouseholdType | None = Field(None, description="가구 유형")
    disability: bool | None = Field(None, description="등록 장애인 여부")
    employment: Employment | None = Field(None, description="취업 상태")
    pregnant: bool | None = Field(None, description="임신 여부")
    children_ages: list[int] | None = Field(
        None, description="자녀 나이(만, 0–30) 목록. []는 자녀 없음"
    )
    on_date: date | None = Field(None, description="기준일 (YYYY-MM-DD, 기본 오늘)")
    service_ids: list[int] | None = Field(
        None, description="이 서비스들만 판단 (공개된 서비스 번호, 200개까지)"
    )


class ServiceRef(Schema):
    id: int
    name: str


class ReasonOut(Schema):
    rule: str = Field(description="기준 종류 (age, residence, income …; 기준 없음은 criteria)")
    met: bool | None = Field(description="충족 true, 미충족 false, 정보 부족 null")
    text: str


class MatchOut(Schema):
    service: ServiceRef
    status: Status
    reasons: list[ReasonOut]


class MatchResults(Schema):
    results: list[MatchOut] = Field(
        description="받을 수 있음(eligible), 가능성 있음(maybe), 기준 확인 필요(unknown), "
        "대상 아님(not_eligible) 순, 각 묶음은 서비스 이름 순"
    )


@router.post(
    "/match",
    response={200: MatchResults, 400: ErrorOut, 422: ErrorOut},
    summary="맞춤 서비스 찾기",
    description="답변에 맞는 공개 서비스와 기준별 판단 이유를 돌려줍니다. 답변은 저장하지 않습니다.",
)
def match(request: HttpRequest, payload: MatchIn) -> dict:
    data = payload.model_dump(exclude={"service_ids"})
    answers = eligibility.answers_clean(data)
    services = Service.objects.all()
    if payload.service_ids is not None:
        ids = list(dict.fromkeys(payload.service_ids))
        if not ids or len(ids) > SERVICE_IDS_MAX:
            raise ValidationError({"service_ids": _("서비스 번호를 1개부터 200개까지 주세요.")})
        services = services.filter(pk__in=ids)
        found = set(services.filter(published=True).values_list("pk", flat=True))
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise ValidationError(
                {"service_ids": _("없는 서비스 번호입니다: %(ids)s") % {"ids": ", ".join(missing)}}
            )
    matches = eligibility.match_services(answers, services=services)
    return {
        "results": [
            {
                "service": {"id": m.service.pk, "name": m.service.name},
                "status": m.status,
                "reasons": [{"rule": r.rule, "met": r.met, "text": r.text} for r in m.reasons],
            }
            for m in matches
        ]
    }
