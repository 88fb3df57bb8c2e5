"""Reads of `notify` reused by views: the campaign or template a user may manage, with the same
Http404 for a missing and a foreign one (so a probe cannot tell them apart)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from . import permissions
from .models import Campaign, Template

if TYPE_CHECKING:
    from sotong.accounts.models import User


def managed(queryset: QuerySet, user: User) -> QuerySet:
    """`queryset` narrowed to the organisations whose campaigns `user` manages."""
    ids = permissions.managed_organization_ids(user)
    return queryset if ids is None else queryset.filter(organization_id__in=ids)


def campaign_for_user(user: User, pk: int) -> Campaign:
    """The campaign `pk` if `user` manages its organisation, else Http404."""
    queryset = managed(Campaign.objects.select_related("organization", "kakao_template"), user)
    return get_object_or_404(queryset, pk=pk)


def template_for_user(user: User, pk: int) -> Template:
    """The organisation template `pk` if `user` manages its organisation, else Http404.
    Platform templates (organization NULL) are not edited from an organisation's pages."""
    queryset = managed(Template.objects.filter(organization__isnull=False), user)
    return get_object_or_404(queryset, pk=pk)
