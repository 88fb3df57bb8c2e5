"""`org.queries.picked_organization`: the one rule of the organisation pickers (`?org=<code>`)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from sotong.org.models import Organization
from sotong.org.queries import picked_organization

pytestmark = pytest.mark.django_db


def test_a_code_picks_that_organisation(district, city, officer):
    assert picked_organization("testcity", user=officer) == city
    assert picked_organization(" testgu ", user=None) == district


def test_an_unknown_code_is_404(district):
    with pytest.raises(Http404):
        picked_organization("nowhere")


def test_without_a_code_staff_get_their_own(district, city, officer):
    assert officer.staff.organization == district
    assert picked_organization("", user=officer) == district


def test_without_a_code_others_get_the_first_by_kind_and_name(district, city, resident):
    assert picked_organization("", user=resident) == city  # the city comes before its districts
    assert picked_organization("", user=AnonymousUser()) == city


def test_among_limits_the_default(district, city, resident):
    among = Organization.objects.filter(kind=Organization.Kind.DISTRICT)
    assert picked_organization("", user=resident, among=among) == district
    assert picked_organization("testcity", user=resident, among=among) == city  # a code is kept


def test_not_required_means_none_without_a_code(district, officer):
    assert picked_organization("", user=officer, required=False) is None
    assert picked_organization("testgu", user=officer, required=False) == district


def test_nothing_to_pick_is_404(db):
    with pytest.raises(Http404):
        picked_organization("")
    with pytest.raises(Http404):
        picked_organization("", among=Organization.objects.none())


def test_among_may_be_an_ordered_list(district, city, resident):
    assert picked_organization("", user=resident, among=[district, city]) == district
    with pytest.raises(Http404):
        picked_organization("", user=resident, among=[])


def _manager(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="org", codename="change_department")
    )
    return type(user).objects.get(pk=user.pk)  # fresh: permissions are cached per object


def test_managed_staff_is_staff_of_an_organisation_the_user_manages(
    head, officer, other_officer, city, district
):
    from sotong.org.queries import managed_staff_or_404

    manager = _manager(head)
    assert managed_staff_or_404(manager, officer.staff.pk, district) == officer.staff
    assert managed_staff_or_404(manager, str(other_officer.staff.pk), district).pk == (
        other_officer.staff.pk
    )
    for pk in (None, "", "x", officer.staff.pk + 1000):  # missing or not a number
        with pytest.raises(Http404):
            managed_staff_or_404(manager, pk, district)
    with pytest.raises(Http404):  # not a manager
        managed_staff_or_404(officer, other_officer.staff.pk, district)
    with pytest.raises(Http404):  # staff of another organisation than the one asked about
        managed_staff_or_404(manager, officer.staff.pk, city)
