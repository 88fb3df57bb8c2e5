"""Petitions as a search document type (registered in `apps.PetitionsConfig.ready`).

- Text: the title and the body, and the answer once it is approved (residents look for "similar
  answered petitions"). The type is `user_written`: core search indexes and shows it only
  through `core.privacy.public.public_text`, so nothing unmasked goes in or comes out — not even
  for private petitions, whose readers are staff.
- Who finds it: a public petition, everyone. A private one only the people who may open its
  page as its petitioner or as the staff who handle it: the petitioner's account, the handler's
  and the approver's staff posts (the chief of a mayor's board sits in no department; a post,
  not a user: it ends with the post) and the staff of its current department. Intake staff, who
  may open every petition of their organisation, reach private ones through their workspace
  lists rather than through search: a grant to the whole organisation would let every official
  find every private petition.
- When a search runs, `permitted` checks the private candidates against the page's own rule
  (`permissions.visible_filter`) as it is now: a deactivated post or account, a move to another
  department or a change the index has not seen yet leaves no access behind.
- Every save of a petition re-indexes it (the registry's hook), so a reassignment moves the
  grant to the new department and the destruction of personal data (retention) drops the
  petitioner's grant. An answer saved alone is picked up at the petition's next save, which
  every answer service makes."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from sotong.core.search import DocumentType, Visibility

from . import permissions
from .models import Answer, Petition

PETITION_TYPE = "petition"


def _searchable():
    return Petition.objects.select_related("category", "answer")


def _approved_answer(petition: Petition) -> Answer | None:
    try:
        answer = petition.answer
    except ObjectDoesNotExist:
        return None
    return answer if answer.state == Answer.State.APPROVED else None


def _extract(petition: Petition) -> dict[str, str]:
    # Raw text: the registry masks it (`user_written`), for the index and again for each hit.
    body = petition.body
    answer = _approved_answer(petition)
    if answer is not None:
        body = f"{body}\n\n{answer.body}"
    return {"title": petition.title, "body": body}


def _url(petition: Petition) -> str:
    try:
        return reverse("petitions:detail", kwargs={"pk": petition.pk})
    except NoReverseMatch:  # the public pages are not wired yet: the path they will have
        return f"/petitions/{petition.pk}/"


def _visibility(petition: Petition) -> Visibility:
    if petition.is_public:
        return Visibility.public()
    posts = [petition.handler_id]
    try:
        answer = petition.answer
    except ObjectDoesNotExist:
        answer = None
    if answer is not None:
        posts.append(answer.approver_id)
    return Visibility.restricted(
        user_ids=[petition.user_id], staff_ids=posts, department_ids=[petition.department_id]
    )


def _permitted(user, object_ids: list[str]) -> set[str]:
    """Of these private petitions, those whose page `user` may open now."""
    ids = [int(pk) for pk in object_ids if str(pk).isdigit()]
    rows = Petition.objects.filter(pk__in=ids).filter(permissions.visible_filter(user))
    return {str(pk) for pk in rows.values_list("pk", flat=True)}


petition_document = DocumentType(
    name=PETITION_TYPE,
    label=_("민원"),
    model=Petition,
    fields={"title": 3.0, "body": 1.0},
    extract=_extract,
    url=_url,
    organization=lambda petition: petition.organization_id,
    # The subject (교통, 청소 …): a filter label everyone sees, never personal data.
    category=lambda petition: petition.category.name if petition.category_id else "",
    date=lambda petition: petition.received_at,
    visibility=_visibility,
    permitted=_permitted,
    user_written=True,
    queryset=_searchable,
    # A petition on the fast path is indexed when its receipt is finished (services/intake.py).
    index_on_save=lambda petition: not petition.intake_pending,
)
