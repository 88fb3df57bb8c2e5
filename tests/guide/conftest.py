import pytest


@pytest.fixture
def seoul(db):
    """서울특별시, the government that answers the Seoul 120 entries."""
    from sotong.org.models import Organization

    return Organization.objects.create(
        code="seoul",
        admin_code="6110000",
        name="서울특별시",
        kind=Organization.Kind.CITY,
        head_title="시장",
    )


@pytest.fixture
def make_entry(db):
    def make(**fields):
        from sotong.guide.models import FaqEntry

        values = {
            "title": "육아휴직수당은 얼마인가요?",
            "answer": "육아휴직 기간 동안 고용보험에서 육아휴직 급여를 받을 수 있습니다.",
            "category": FaqEntry.Category.WELFARE,
            "source": "seoul120",
            "source_id": str(FaqEntry.objects.count() + 1000),
            "attribution": "출처: 서울특별시 120다산콜재단",
        }
        values.update(fields)
        return FaqEntry.objects.create(**values)

    return make
