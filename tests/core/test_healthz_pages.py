"""/healthz answers 503 when pages cannot render. A var directory restored without
`collectstatic` has no staticfiles manifest: every HTML page then answered 500 while /healthz
said 200 ok (issue 11)."""

import pytest

MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


@pytest.fixture
def uncollected_static(settings, tmp_path):
    """Production's storage (content-hashed names from a manifest) over an empty STATIC_ROOT."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}}
    settings.WHITENOISE_USE_FINDERS = False


@pytest.mark.django_db
def test_healthz_fails_when_the_static_manifest_is_missing(client, uncollected_static, caplog):
    client.raise_request_exception = False
    assert client.get("/").status_code == 500  # what residents would see

    response = client.get("/healthz?scope=web")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "ok", "cache": "ok", "pages": "static_missing"},
    }
    # The reason is logged for the operator, never shown on the page.
    assert "static file is not collected" in caplog.text
    assert "manifest" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_pages_ok_after_collectstatic(client, uncollected_static, settings):
    from django.core.management import call_command

    call_command("collectstatic", "--no-input", verbosity=0)

    assert client.get("/").status_code == 200
    response = client.get("/healthz?scope=web")
    assert response.status_code == 200
    assert response.json()["checks"]["pages"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_a_layout_that_does_not_render(client, monkeypatch):
    from sotong.core import ops

    monkeypatch.setattr(ops, "PAGES_PROBE_TEMPLATE", "errors/no-such-template.html")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["pages"] == "template_error"
