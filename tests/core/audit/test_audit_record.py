import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import transaction
from django.test import RequestFactory
from django.utils import translation

from sotong.core.audit import audit_record, diff, snapshot
from sotong.core.audit.canonical import REDACTED, canonical_json
from sotong.core.audit.models import AuditChainHead, AuditEvent
from sotong.core.audit.queries import events_for
from sotong.org.models import Organization

pytestmark = pytest.mark.django_db


def test_events_form_a_chain(officer, department):
    first = audit_record(actor=officer, action="test.first", obj=department)
    second = audit_record(actor=officer, action="test.second", obj=department)

    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == ""
    assert second.prev_hash == first.hash
    assert len(second.hash) == 64
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (2, second.hash)


def test_event_records_who_what_and_where(officer, department):
    event = audit_record(
        actor=officer,
        action="org.department.update",
        obj=department,
        before={"name": "민원과"},
        after={"name": "민원여권과"},
        reason="조직 개편",
    )
    event = AuditEvent.objects.get(pk=event.pk)

    assert event.actor == officer
    assert event.actor_label == f"박주무 (#{officer.pk})"
    assert event.object_type == "org.department"
    assert event.object_id == str(department.pk)
    assert event.object_repr == department.audit_label()
    # Taken from the object when not given.
    assert event.organization_id == department.organization_id
    assert (event.before, event.after, event.reason) == (
        {"name": "민원과"},
        {"name": "민원여권과"},
        "조직 개편",
    )


def test_object_and_actor_labels_hold_no_personal_data(resident, other_resident):
    event = audit_record(actor=resident, action="accounts.test", obj=other_resident)

    assert event.actor_label == f"사용자 #{resident.pk}"
    assert event.object_repr == f"사용자 #{other_resident.pk}"
    for personal in ("김주민", "이이웃", "resident@example.kr", "other@example.kr"):
        assert personal not in canonical_json(event.hashed_content())


def test_object_label_is_in_the_site_language_whatever_the_request():
    group = Group.objects.create(name="민원 담당")  # Django's own model: translated to English
    with translation.override("en"):
        event = audit_record(actor=None, action="test.label", obj=group)
    assert event.object_repr == f"그룹 #{group.pk}"


def test_object_may_name_itself(resident):
    resident.audit_label = lambda: "주민 계정"
    event = audit_record(actor=None, action="test.label", obj=resident)
    assert event.object_repr == "주민 계정"


def test_system_and_anonymous_actors():
    system = audit_record(actor=None, action="test.system")
    anonymous = audit_record(actor=AnonymousUser(), action="test.anonymous")

    assert (system.actor_id, system.actor_label) == (None, "시스템")
    assert (anonymous.actor_id, anonymous.actor_label) == (None, "비로그인 사용자")


def test_organization_given_or_taken_from_the_object(city, district, department):
    assert audit_record(actor=None, action="test.org", obj=district).organization_id == district.pk
    explicit = audit_record(actor=None, action="test.org", obj=department, organization=city)
    assert explicit.organization_id == city.pk
    assert audit_record(actor=None, action="test.org").organization_id is None


def test_request_id_and_address_come_from_the_request():
    request = RequestFactory().post(
        "/", REMOTE_ADDR="::ffff:203.0.113.7", HTTP_X_REQUEST_ID="req-42<script>"
    )
    event = audit_record(actor=None, action="test.request", request=request)
    assert (event.request_id, event.ip_address) == ("req-42script", "203.0.113.7")

    bad = RequestFactory().get("/", REMOTE_ADDR="not an address")
    assert audit_record(actor=None, action="test.request", request=bad).ip_address == ""


@pytest.mark.parametrize("action", ["assign", "Petition.Assign", "petition.", "petition assign"])
def test_action_must_be_dotted_lower_case(action):
    with pytest.raises(ValueError, match="dotted"):
        audit_record(actor=None, action=action)


def test_unsaved_object_is_refused():
    with pytest.raises(ValueError, match="saved"):
        audit_record(actor=None, action="test.unsaved", obj=Organization(name="x"))


def test_values_are_canonical_and_survive_the_database_round_trip():
    class Colour(str):
        pass

    values = {
        "amount": Decimal("1234.50"),
        "ratio": 0.1,
        "huge": 1e100,
        "big": 2**70,
        "day": dt.date(2025, 3, 1),
        "at": dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))),
        "span": dt.timedelta(days=1, hours=2),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "kind": Organization.Kind.DISTRICT,
        "tags": {"나", "가"},
        "nested": {2: [True, None, "값"]},
        "nul": "a\x00b",
        "colour": Colour("빨강"),
    }
    event = audit_record(actor=None, action="test.values", after=values)
    stored = AuditEvent.objects.get(pk=event.pk)

    assert stored.after == {
        "amount": "1234.50",
        "ratio": "0.1",
        "huge": "1e+100",
        "big": 2**70,
        "day": "2025-03-01",
        "at": "2025-03-01T00:00:00.000000+00:00",
        "span": "P1DT02H00M00S",
        "id": "12345678-1234-5678-1234-567812345678",
        "kind": "district",
        "tags": ["가", "나"],
        "nested": {"2": [True, None, "값"]},
        "nul": "a\ufffdb",
        "colour": "빨강",
    }
    assert stored.compute_hash() == stored.hash


def test_values_that_are_not_data_are_refused():
    with pytest.raises(TypeError, match="cannot put"):
        audit_record(actor=None, action="test.values", after={"f": object()})


def test_rolled_back_change_leaves_no_event():
    audit_record(actor=None, action="test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.lost")
        raise RuntimeError("the change failed")
    after = audit_record(actor=None, action="test.next")

    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("seq")) == [
        "test.kept",
        "test.next",
    ]
    assert after.seq == 2


def test_missing_chain_head_is_rebuilt_from_the_newest_event():
    first = audit_record(actor=None, action="test.first")
    AuditChainHead.objects.all().delete()
    second = audit_record(actor=None, action="test.second")
    assert (second.seq, second.prev_hash) == (2, first.hash)


def test_events_outlive_the_actor_and_the_organisation(resident):
    organization = Organization.objects.create(
        code="gone", name="없어진구", kind=Organization.Kind.CITY, head_title="시장"
    )
    event = audit_record(actor=resident, action="test.outlive", obj=organization)
    resident_pk, organization_pk = resident.pk, organization.pk
    resident.delete()
    organization.delete()

    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_id, event.actor_label) == (resident_pk, f"사용자 #{resident_pk}")
    assert event.organization_id == organization_pk
    assert event.compute_hash() == event.hash


def test_events_for_an_object(department, other_department):
    mine = audit_record(actor=None, action="test.mine", obj=department)
    audit_record(actor=None, action="test.other", obj=other_department)
    assert list(events_for(department)) == [mine]


def test_diff_keeps_changed_fields_only():
    before = {"status": "received", "title": "가로등", "count": 1, "gone": "x"}
    after = {"status": "assigned", "title": "가로등", "count": True, "new": "y"}
    assert diff(before, after) == (
        {"status": "received", "count": 1, "gone": "x"},
        {"status": "assigned", "count": True, "new": "y"},
    )


def test_diff_redacts_personal_fields_but_keeps_the_fact_of_a_change():
    before = {"phone": "010-1234-5678", "email": "a@example.kr", "status": "a"}
    after = {"phone": "010-9999-0000", "email": "a@example.kr", "status": "a"}
    assert diff(before, after, redact=["phone", "email"]) == (
        {"phone": REDACTED},
        {"phone": REDACTED},
    )


def test_snapshot_reads_fields_with_foreign_keys_as_ids(department):
    assert snapshot(department, ["name", "organization", "active"]) == {
        "name": "민원여권과",
        "organization": department.organization_id,
        "active": True,
    }
