"""Uploads staged for an anonymous web petition whose contact was never confirmed are deleted by
the petitions tick once the pending request has expired (24 hours) plus an hour; younger ones
and files elsewhere stay."""

from __future__ import annotations

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from sotong.petitions import confirm, tasks


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stage(name: str, age: datetime.timedelta) -> str:
    path = default_storage.save(f"{confirm.PENDING_DIR}/{name}", ContentFile(b"%PDF-1.4 test"))
    moment = (timezone.now() - age).timestamp()
    os.utime(default_storage.path(path), (moment, moment))
    return path


def test_abandoned_uploads_go_and_recent_ones_stay(media):
    old = stage("old.pdf", datetime.timedelta(hours=confirm.PENDING_HOURS + 2))
    recent = stage("recent.pdf", datetime.timedelta(hours=2))
    elsewhere = default_storage.save("files/keep.pdf", ContentFile(b"x"))
    os.utime(default_storage.path(elsewhere), (0, 0))

    assert confirm.pending_files_prune() == 1
    assert not default_storage.exists(old)
    assert default_storage.exists(recent)
    assert default_storage.exists(elsewhere)
    assert confirm.pending_files_prune() == 0  # nothing left to do


def test_no_staging_folder_yet_is_nothing_to_do(media):
    assert confirm.pending_files_prune() == 0


@pytest.mark.django_db
def test_it_is_a_step_of_the_petitions_tick(media):
    stage("old.pdf", datetime.timedelta(days=3))
    result = tasks.run_tick()
    assert result["pending_uploads"] == 1
