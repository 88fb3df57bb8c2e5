"""The labelled corpus of bench/privacy_quality.py: well formed, built from its annotated source,
and detected with the precision and recall the bench reports."""

import importlib.util
from pathlib import Path

import pytest

from sotong.core.privacy import KINDS

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "bench" / "data" / "privacy"
NAMES_SAMPLE = DATA / "seoul120_names.tsv"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "privacy_quality", ROOT / "bench" / "privacy_quality.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def records(bench):
    return bench.load(DATA / "corpus.jsonl")


def test_corpus_is_built_from_its_annotated_source(bench, records):
    lines = (DATA / "corpus.txt").read_text(encoding="utf-8").splitlines()
    assert records == [bench.parse_annotated(line) for line in lines if line.strip()]


def test_corpus_is_large_and_covers_every_kind_and_look_alikes(records):
    assert len(records) >= 300
    kinds = {span["kind"] for record in records for span in record["spans"]}
    assert kinds == set(KINDS)
    assert sum(1 for record in records if not record["spans"]) >= 100


def test_spans_are_inside_their_text_and_do_not_overlap(records):
    for record in records:
        previous_end = 0
        for span in sorted(record["spans"], key=lambda s: s["start"]):
            assert previous_end <= span["start"] < span["end"] <= len(record["text"])
            previous_end = span["end"]


def test_parse_annotated(bench):
    assert bench.parse_annotated("연락처 ⟦phone|010-1234-5678⟧로") == {
        "text": "연락처 010-1234-5678로",
        "spans": [{"start": 4, "end": 17, "kind": "phone"}],
    }
    with pytest.raises(ValueError, match="unknown kind"):
        bench.parse_annotated("⟦ssn|123⟧")


def test_detection_meets_the_quality_bar_on_the_corpus(bench, records):
    counts = bench.measure(records)
    tp = sum(c["tp"] for c in counts.values())
    fp = sum(c["fp"] for c in counts.values())
    fn = sum(c["fn"] for c in counts.values())
    assert tp / (tp + fp) >= 0.97
    assert tp / (tp + fn) >= 0.97


def test_bench_prints_the_total_last(bench, capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["privacy_quality.py"])
    bench.main()
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("privacy precision: ")
    assert "recall: " in last and "f1: " in last and "(n=" in last


def test_the_names_sample_is_labelled_real_text(bench):
    """Excerpts of Seoul 120 answers with every person's name labelled by hand (official names
    of places, programmes and organisations among real names of officials)."""
    lines = NAMES_SAMPLE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "내용번호\t본문"
    for line in lines[1:]:
        number, text = line.split("\t")
        assert number.isdigit() and text.strip()
    records = bench.load_names_sample(NAMES_SAMPLE)
    assert len(records) >= 150
    assert {s["kind"] for r in records for s in r["spans"]} == {"name"}
    assert sum(1 for r in records if r["spans"]) >= 40


def test_names_on_real_answers_meet_the_bar(bench):
    counts = bench.measure(bench.load_names_sample(NAMES_SAMPLE))["name"]
    assert counts["tp"] / (counts["tp"] + counts["fp"]) >= 0.9
    assert counts["tp"] / (counts["tp"] + counts["fn"]) >= 0.85
