import pytest
from django.core.exceptions import PermissionDenied

from sotong.core.audit import audited_update
from sotong.core.audit.canonical import REDACTED
from sotong.core.audit.models import AuditEvent
from sotong.org.models import Department

pytestmark = pytest.mark.django_db

FIELDS = ("name", "duties", "phone", "parent")


def test_records_only_the_fields_that_changed(officer, department):
    changed = audited_update(
        department,
        actor=officer,
        action="org.department.update",
        changes={"name": "민원봉사과", "duties": department.duties, "parent": None},
        fields=FIELDS,
        reason="개편",
    )

    assert changed == {"name": "민원봉사과"}
    department.refresh_from_db()
    assert department.name == "민원봉사과"
    event = AuditEvent.objects.get()
    assert (event.action, event.reason) == ("org.department.update", "개편")
    assert event.before == {"name": "민원여권과"}
    assert event.after == {"name": "민원봉사과"}
    assert event.organization_id == department.organization_id


def test_nothing_changed_writes_and_records_nothing(officer, department):
    changed = audited_update(
        department,
        actor=officer,
        action="org.department.update",
        changes={"name": department.name},
        fields=FIELDS,
    )

    assert changed == {}
    assert not AuditEvent.objects.exists()


def test_foreign_keys_compare_by_primary_key(officer, department, other_department):
    bureau = Department.objects.create(
        organization=department.organization, name="행정국", kind=Department.Kind.BUREAU
    )
    changed = audited_update(
        other_department,
        actor=officer,
        action="org.department.update",
        changes={"parent": bureau},
        fields=FIELDS,
    )
    assert changed == {"parent": bureau}
    assert AuditEvent.objects.get().after == {"parent": bureau.pk}

    again = audited_update(
        other_department,
        actor=officer,
        action="org.department.update",
        changes={"parent": bureau},
        fields=FIELDS,
    )
    assert again == {}
    assert AuditEvent.objects.count() == 1


def test_only_the_changed_fields_are_saved(officer, department):
    department.duties = "not saved: not among the changes"
    audited_update(
        department,
        actor=officer,
        action="org.department.update",
        changes={"phone": "02-1"},
        fields=("phone",),
    )

    department.refresh_from_db()
    assert (department.phone, department.duties) == ("02-1", "민원 접수")


def test_redacted_fields_keep_only_the_fact_of_a_change(officer, department):
    audited_update(
        department,
        actor=officer,
        action="org.department.update",
        changes={"phone": "02-1234-5678"},
        fields=FIELDS,
        redact=("phone",),
    )

    event = AuditEvent.objects.get()
    assert event.after == {"phone": REDACTED}


def test_check_sees_the_changed_names_and_can_refuse(officer, department):
    seen = []

    def refuse_name(changed):
        seen.append(changed)
        if "name" in changed:
            raise PermissionDenied

    with pytest.raises(PermissionDenied):
        audited_update(
            department,
            actor=officer,
            action="org.department.update",
            changes={"name": "다른과", "duties": department.duties},
            fields=FIELDS,
            check=refuse_name,
        )

    assert seen == [["name"]]
    assert not AuditEvent.objects.exists()


def test_a_last_changed_stamp_is_saved_with_the_change(officer, district):
    import datetime

    from sotong.guide.models import FaqEntry

    entry = FaqEntry.objects.create(
        title="여권은 어디서 만드나요?", answer="구청 민원여권과에서 만듭니다.", category="other"
    )
    old = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    FaqEntry.objects.filter(pk=entry.pk).update(updated_at=old)
    entry.refresh_from_db()
    audited_update(
        entry,
        actor=None,
        action="services.faq.update",
        changes={"title": "여권은 어디서 신청하나요?"},
        fields=("title",),
    )
    entry.refresh_from_db()
    assert entry.title == "여권은 어디서 신청하나요?"
    assert entry.updated_at > old
