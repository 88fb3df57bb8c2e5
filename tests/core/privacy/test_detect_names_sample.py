"""Names on real text: excerpts of Seoul 120 answers, labelled by hand in
bench/data/privacy/seoul120_names.tsv (official names of places, programmes and organisations
among real names of officials), measured by bench/privacy_quality.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "bench" / "data" / "privacy" / "seoul120_names.tsv"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "privacy_quality", ROOT / "bench" / "privacy_quality.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sample_is_labelled_real_text(bench):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "내용번호\t본문"
    for line in lines[1:]:
        number, text = line.split("\t")
        assert number.isdigit() and text.strip()
    records = bench.load_names_sample(SAMPLE)
    assert len(records) >= 150
    assert {s["kind"] for r in records for s in r["spans"]} == {"name"}
    assert sum(1 for r in records if r["spans"]) >= 40


def test_names_on_real_answers_meet_the_bar(bench):
    counts = bench.measure(bench.load_names_sample(SAMPLE))["name"]
    precision = counts["tp"] / (counts["tp"] + counts["fp"])
    recall = counts["tp"] / (counts["tp"] + counts["fn"])
    assert precision >= 0.9
    assert recall >= 0.85
