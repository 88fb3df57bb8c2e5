"""The dependency map in pyproject.toml ([tool.importlinter]) holds, and a new breach breaks it.

`make lint` runs the same check; these tests keep it honest: the real tree passes, and a copy of
the tree with one upward import planted in core fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH first so the copied package, not the installed one, is the graph's `sotong`.
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_tree_keeps_every_contract(tmp_path):
    result = _lint(ROOT / "src", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_in_core_breaks_the_layers(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "sotong",
        src / "sotong",
        ignore=shutil.ignore_patterns("static", "locale", "__pycache__", "*.mo"),
    )
    planted = src / "sotong" / "core" / "planted_breach.py"
    planted.write_text("import sotong.petitions\n", encoding="utf-8")

    result = _lint(src, tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "sotong.core is not allowed to import sotong.petitions" in result.stdout
    assert "sotong.core.planted_breach -> sotong.petitions" in result.stdout
