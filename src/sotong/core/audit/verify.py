"""Walking the audit chain to prove it intact, or to find the first place it was tampered with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold. `kind` is stable, for scripts and tests."""

    seq: int
    kind: str  # missing, duplicate, broken_link, altered, anchor_mismatch, anchor_missing,
    # head_missing, head_mismatch, missing_tail, beyond_head
    message: str


@dataclass
class Report:
    checked: int = 0
    last_seq: int = 0
    last_hash: str = ""
    first_break: Break | None = None
    anchors_checked: set[int] = field(default_factory=set)

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(
    *,
    batch_size: int = 1000,
    anchors: Mapping[int, str] | None = None,
    progress: Callable[[Report], None] | None = None,
) -> Report:
    """Check every event in `seq` order: numbering without gaps, each `prev_hash` equal to the hash
    of the event before, each hash equal to the hash of the content, then the chain head. `anchors`
    are `{seq: hash}` pairs recorded outside the database earlier; they catch a chain rewritten
    from some point on with freshly computed hashes, which the chain alone cannot show.

    Writers may append while this runs: the head is read only after the walk, and when it names
    events the walk has not seen, the walk goes on; only events still absent then are missing."""
    anchors = dict(anchors or {})
    report = Report()
    while True:
        seen_before = report.checked
        _walk(report, batch_size, anchors, progress)
        if report.first_break:
            return report
        head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
        if head is not None and head[0] > report.last_seq and report.checked > seen_before:
            continue  # events committed while we walked
        report.first_break = _check_head(report, head) or _check_anchors_reached(report, anchors)
        return report


def _walk(report: Report, batch_size: int, anchors: dict[int, str], progress) -> None:
    while True:
        batch = list(
            AuditEvent.objects.filter(seq__gt=report.last_seq).order_by("seq")[:batch_size]
        )
        if not batch:
            return
        for event in batch:
            report.first_break = _check_event(report, event, anchors)
            if report.first_break:
                return
            report.checked += 1
            report.last_seq, report.last_hash = event.seq, event.hash
        if progress:
            progress(report)


def _check_event(report: Report, event: AuditEvent, anchors: dict[int, str]) -> Break | None:
    expected = report.last_seq + 1
    if event.seq > expected:
        gap = f"#{expected}" if event.seq == expected + 1 else f"#{expected}–#{event.seq - 1}"
        return Break(expected, "missing", f"기록 {gap}이(가) 없습니다: 삭제된 기록입니다.")
    if event.seq < expected:
        return Break(event.seq, "duplicate", f"기록 #{event.seq}이(가) 두 번 있습니다.")
    if event.prev_hash != report.last_hash:
        return Break(
            event.seq,
            "broken_link",
            f"기록 #{event.seq}의 앞 기록 해시가 기록 #{event.seq - 1}의 해시와 다릅니다: "
            "앞 기록이 위조되었거나, 기록이 끼워 넣어졌거나, 순서가 바뀌었습니다.",
        )
    if event.compute_hash() != event.hash:
        return Break(
            event.seq,
            "altered",
            f"기록 #{event.seq}의 내용이 해시와 맞지 않습니다: 기록이 바뀌었습니다.",
        )
    if event.seq in anchors:
        report.anchors_checked.add(event.seq)
        if anchors[event.seq] != event.hash:
            return Break(
                event.seq,
                "anchor_mismatch",
                f"기록 #{event.seq}의 해시가 따로 보관한 값과 다릅니다: "
                "이 지점부터 체인이 다시 계산되었습니다.",
            )
    return None


def _check_head(report: Report, head: tuple[int, str] | None) -> Break | None:
    if head is None:
        if report.checked == 0:
            return None
        return Break(
            report.last_seq,
            "head_missing",
            "체인 끝 기록(AuditChainHead)이 없습니다: 끝부분 기록이 삭제되었는지 확인할 수 없습니다.",
        )
    head_seq, head_hash = head
    if head_seq > report.last_seq:
        return Break(
            report.last_seq + 1,
            "missing_tail",
            f"마지막 기록 #{report.last_seq} 뒤의 기록 #{report.last_seq + 1}–#{head_seq}이(가) "
            "없습니다: 끝부분 기록이 삭제되었습니다.",
        )
    if head_seq < report.last_seq:
        return Break(
            head_seq + 1,
            "beyond_head",
            f"기록 #{head_seq + 1}부터는 체인 끝 뒤에 있습니다: audit_record를 거치지 않고 "
            "추가된 기록입니다.",
        )
    if head_hash != report.last_hash:
        return Break(
            head_seq,
            "head_mismatch",
            f"마지막 기록 #{head_seq}의 해시가 체인 끝에 적힌 해시와 다릅니다: 바꿔치기된 기록입니다.",
        )
    return None


def _check_anchors_reached(report: Report, anchors: dict[int, str]) -> Break | None:
    unreached = sorted(set(anchors) - report.anchors_checked)
    if not unreached:
        return None
    return Break(
        unreached[0],
        "anchor_missing",
        f"따로 보관한 기록 #{unreached[0]}이(가) 체인에 없습니다: 끝부분 기록이 삭제되었습니다.",
    )
