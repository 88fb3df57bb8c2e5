"""The install's secrets (issue 11, leak 6): no key in the code. Outside production a missing
DJANGO_SECRET_KEY, field encryption key or lookup key is made at random once and kept under the
install's var directory; production refuses to start without them. Each case loads the settings
in a fresh process, as a start of the demo or of a worker does."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings as django_settings

KEYS = ("DJANGO_SECRET_KEY", "SOTONG_FIELD_ENCRYPTION_KEYS", "SOTONG_FIELD_LOOKUP_KEY")
PRINT_KEYS = (
    "import json, sotong.settings as s; "
    "print(json.dumps([s.SECRET_KEY, s.FIELD_ENCRYPTION_KEYS, s.FIELD_LOOKUP_KEY]))"
)
SRC = Path(django_settings.PROJECT_DIR) / "src"


def _settings_env(var_dir: Path, sotong_env: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    return {**env, "SOTONG_ENV": sotong_env, "SOTONG_VAR_DIR": str(var_dir), "PYTHONPATH": str(SRC)}


def _load(var_dir: Path, sotong_env: str = "demo", **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PRINT_KEYS],
        env={**_settings_env(var_dir, sotong_env), **extra},
        capture_output=True,
        text=True,
        check=False,
    )


def _keys(var_dir: Path, sotong_env: str = "demo") -> list:
    result = _load(var_dir, sotong_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("sotong_env", ["demo", "development"])
def test_missing_keys_are_made_once_and_kept_private_under_var(tmp_path, sotong_env):
    first = _keys(tmp_path, sotong_env)
    again = _keys(tmp_path, sotong_env)

    assert first == again
    secret_key, encryption_keys, lookup_key = first
    assert len(secret_key) >= 43 and len(lookup_key) >= 43
    assert len(encryption_keys) == 1 and secret_key not in (encryption_keys[0], lookup_key)
    folder = tmp_path / "secrets"
    assert sorted(p.name for p in folder.iterdir()) == sorted(KEYS)
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_another_install_gets_other_keys(tmp_path):
    one = _keys(tmp_path / "one")
    other = _keys(tmp_path / "other")

    for mine, theirs in zip(one, other, strict=True):
        assert mine != theirs


def test_processes_starting_at_once_agree_on_the_keys(tmp_path):
    with ThreadPoolExecutor(max_workers=6) as pool:
        loaded = list(pool.map(lambda _: _keys(tmp_path), range(6)))

    assert all(keys == loaded[0] for keys in loaded)
    assert not [p.name for p in (tmp_path / "secrets").iterdir() if p.name not in KEYS]


def test_keys_from_the_environment_win_and_are_not_written(tmp_path):
    key = "x" * 44
    result = _load(tmp_path, "demo", **dict.fromkeys(KEYS, key))

    assert json.loads(result.stdout) == [key, [key], key]
    assert not (tmp_path / "secrets").exists()


@pytest.mark.parametrize("missing", KEYS)
def test_production_refuses_to_start_without_a_key(tmp_path, missing):
    result = _load(
        tmp_path,
        "production",
        **{name: "k" * 44 for name in KEYS if name != missing},
        SOTONG_SOLAPI_API_SECRET="provider-secret",
        SOTONG_SOLAPI_WEBHOOK_SECRET="webhook-secret",
    )

    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr
    assert not (tmp_path / "secrets").exists()


def test_a_test_run_keeps_its_keys_in_its_environment_for_the_processes_it_starts():
    assert {os.environ[name] for name in KEYS} == {
        django_settings.SECRET_KEY,
        django_settings.FIELD_ENCRYPTION_KEYS[0],
        django_settings.FIELD_LOOKUP_KEY,
    }


# The keys the code carried before: anyone could sign links for any install that used them.
OLD_KEYS = (
    "insecure-development-key-never-use-in-production",
    "2Yf5K8v0o3rZt6bQeN1cL4xW9aH7sJ2dG5pU8mR0kTw=",
    "sotong-development-lookup-key",
)
# A Fernet-shaped literal (44 characters of url-safe base64) is a key too.
KEY_LITERAL = re.compile(r"""["'][A-Za-z0-9_-]{43}=["']""")


def test_the_code_carries_no_key():
    found = []
    for path in SRC.rglob("*"):
        if not path.is_file() or path.suffix not in {".py", ".sh", ".toml", ".cfg", ".json"}:
            continue
        text = path.read_text(errors="ignore")
        found += [f"{path}: {key}" for key in OLD_KEYS if key in text]
        found += [f"{path}: {match}" for match in KEY_LITERAL.findall(text)]

    assert found == []
