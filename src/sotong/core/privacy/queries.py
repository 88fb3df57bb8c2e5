"""Reusable reads of the personal-data access log."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import PersonalDataAccess


def accesses_for_subject(user) -> QuerySet[PersonalDataAccess]:
    """Who read `user`'s personal data, newest first: for the resident's own "열람 기록" page.
    Chain `.select_related("actor__staff__department")` to show the reader's department."""
    return PersonalDataAccess.objects.filter(subject=user).select_related("actor")


def accesses_by_actor(user) -> QuerySet[PersonalDataAccess]:
    """Whose personal data `user` (a member of staff) read, newest first: for auditors."""
    return PersonalDataAccess.objects.filter(actor=user).select_related("subject")
