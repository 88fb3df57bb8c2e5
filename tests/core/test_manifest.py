"""Each app lists what it registers in its manifest; `ready()` applies it once."""

from __future__ import annotations

import types

import pytest
from django.apps import apps
from django.core.management import call_command

from sotong.core import manifest as manifest_module
from sotong.core.manifest import Registration, applied, manifest_apply


def test_a_registration_calls_its_registry_with_its_arguments():
    calls = []
    registration = Registration(lambda *args: calls.append(args), "a", 1)
    registration.apply()
    assert calls == [("a", 1)]
    assert registration.subject == "a"


def test_the_subject_is_the_key_or_name_of_what_is_registered():
    assert Registration(print, types.SimpleNamespace(key="x.y")).subject == "x.y"
    assert Registration(print, types.SimpleNamespace(name="faq")).subject == "faq"
    assert Registration(print).subject == ""


def test_manifest_apply_runs_each_registration_once(monkeypatch):
    calls = []
    fake = types.ModuleType("fake_app.manifest")
    fake.registrations = lambda: [Registration(calls.append, "one"), Registration(calls.append, 2)]
    monkeypatch.setitem(__import__("sys").modules, "fake_app.manifest", fake)
    monkeypatch.setattr(manifest_module, "_applied", {})
    config = types.SimpleNamespace(name="fake_app", label="fake")
    first = manifest_apply(config)
    again = manifest_apply(config)
    assert calls == ["one", 2]
    assert first is again and [r.args for r in first] == [("one",), (2,)]


def test_manifest_apply_refuses_what_is_not_a_registration(monkeypatch):
    fake = types.ModuleType("bad_app.manifest")
    fake.registrations = lambda: [print]
    monkeypatch.setitem(__import__("sys").modules, "bad_app.manifest", fake)
    monkeypatch.setattr(manifest_module, "_applied", {})
    with pytest.raises(TypeError):
        manifest_apply(types.SimpleNamespace(name="bad_app", label="bad"))


def test_the_apps_registrations_are_in_their_registries():
    from sotong.core.privacy.services import _ROTATORS
    from sotong.core.search.registry import _types
    from sotong.notify.digest import registered_sources
    from sotong.notify.transactional import event_for

    done = applied()
    subjects = {label: {r.subject for r in regs} for label, regs in done.items()}
    assert {"services.matched", "faq", "service", "services.faq"} <= subjects["services"]
    assert "services.help.assigned" in subjects["helpdesk"]
    assert subjects["accounts"] == {"mfa.Authenticator"}
    assert event_for("services.matched").key == "services.matched"
    assert event_for("services.help.done").key == "services.help.done"
    assert {"faq", "service"} <= set(_types)
    assert "services.faq" in {source.key for source in registered_sources()}
    assert "mfa.Authenticator" in _ROTATORS


def test_every_app_with_a_manifest_has_applied_it():
    import importlib.util

    with_manifest = {
        config.label
        for config in apps.get_app_configs()
        # sotong.core.manifest is the kernel's module itself, not a manifest.
        if config.name.startswith("sotong.")
        and config.name != "sotong.core"
        and importlib.util.find_spec(f"{config.name}.manifest") is not None
    }
    assert with_manifest <= set(applied())


def test_the_command_lists_each_apps_registrations(capsys):
    call_command("manifest")
    out = capsys.readouterr().out
    assert "services:" in out and "helpdesk:" in out
    assert "services.matched" in out and "mfa.Authenticator" in out
