"""The demo loads the Seoul 120 excerpt once, attributed and answered by 서울특별시."""

from io import StringIO

import pytest
from django.core.management import call_command

from sotong.core.audit.models import AuditEvent
from sotong.guide.models import FaqEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load():
    out = StringIO()
    call_command("demo_load", stdout=out)
    return out.getvalue()


def test_demo_imports_the_excerpt_once():
    first = load()
    assert "faq entries 300" in first
    assert FaqEntry.objects.count() == 300
    assert set(FaqEntry.objects.values_list("organization__code", flat=True)) == {"seoul"}
    assert set(FaqEntry.objects.values_list("source", flat=True)) == {"seoul120"}
    assert len(set(FaqEntry.objects.values_list("category", flat=True))) == 10
    assert all("서울특별시" in a for a in FaqEntry.objects.values_list("attribution", flat=True))
    assert AuditEvent.objects.filter(action="services.faq.import").count() == 1
    audits = AuditEvent.objects.count()
    updated = dict(FaqEntry.objects.values_list("pk", "updated_at"))

    second = load()
    assert "created this run: 없음 / none" in second
    assert FaqEntry.objects.count() == 300
    assert AuditEvent.objects.count() == audits
    assert dict(FaqEntry.objects.values_list("pk", "updated_at")) == updated
