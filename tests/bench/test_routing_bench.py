"""`bench/routing.py` runs end to end on a small generated CSV and ends with its figure in the
agreed format (issue 5). No database is involved; no timing is asserted."""

from __future__ import annotations

import csv
import random
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^routing top1: (?P<top1>[01]\.\d{3}) top3: (?P<top3>[01]\.\d{3}) "
    r"\(ms/petition (?P<ms>\d+\.\d{2}), baseline top1 (?P<b1>[01]\.\d{3}) top3 (?P<b3>[01]\.\d{3}), "
    r"majority (?P<majority>[01]\.\d{3}), n=(?P<n>\d+), classes=(?P<classes>\d+)\)$"
)
TOPICS = {
    "주차관리과": ["불법주차", "주정차", "견인", "거주자우선주차"],
    "청소행정과": ["쓰레기", "무단투기", "재활용", "음식물"],
    "도로과": ["포트홀", "보도블록", "도로", "맨홀"],
}
PLACES = ["신당동", "황학동", "명동", "회현동", "중림동", "약수동"]


def test_routing_bench_prints_its_figure(tmp_path):
    rng = random.Random(5)
    path = tmp_path / "petitions.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["제목", "내용", "부서"])
        for department, words in TOPICS.items():
            for i in range(20):
                word = rng.choice(words)
                writer.writerow(
                    [
                        f"{rng.choice(PLACES)} {word} 민원",
                        f"{word} 문제로 불편합니다. {rng.choice(words)} 처리 부탁드립니다. {i}",
                        department,
                    ]
                )
        writer.writerow(["", "", "도로과"])  # an empty text is skipped
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "routing.py"),
            "--data",
            str(path),
            "--text-cols",
            "제목,내용",
            "--label-col",
            "부서",
            "--folds",
            "3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    last = completed.stdout.strip().splitlines()[-1]
    match = LAST_LINE.match(last)
    assert match, last
    assert match["n"] == "60"
    assert match["classes"] == "3"
    assert float(match["top1"]) > float(match["majority"])
    assert float(match["top3"]) == 1.0  # three classes


def test_routing_bench_refuses_unknown_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "routing.py"),
            "--data",
            str(path),
            "--text-cols",
            "제목",
            "--label-col",
            "b",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    assert "제목" in completed.stderr
