"""Petitions as a search document type (registered in `apps.PetitionsConfig.ready`).

- Text: the title and the body with personal data masked (`core.privacy.mask_text`), and the
  answer once it is approved (residents look for "similar answered petitions"). The index may
  show snippets of it, so nothing unmasked goes in — not even for private petitions, whose
  readers are staff.
- Who finds it: a public petition, everyone. A private one only the people who may open its
  page as its petitioner or as the staff who handle it: the petitioner's account, the handler,
  the approver named on the answer (the chief of a mayor's board sits in no department) and the
  staff of its current department. Intake staff, who may open every petition of their
  organisation, reach private ones through their workspace lists rather than through search:
  a grant to the whole organisation would let every official find every private petition.
- Every save of a petition re-indexes it (the registry's hook), so a reassignment moves the
  grant to the new department and the destruction of personal data (retention) drops the
  petitioner's grant. An answer saved alone is picked up at the petition's next save, which
  every answer service makes."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from sotong.core.privacy import mask_text
from sotong.core.search import DocumentType, Visibility, register

from .models import Answer, Petition

PETITION_TYPE = "petition"


def _searchable():
    return Petition.objects.select_related("category", "handler", "answer", "answer__approver")


def _approved_answer(petition: Petition) -> Answer | None:
    try:
        answer = petition.answer
    except ObjectDoesNotExist:
        return None
    return answer if answer.state == Answer.State.APPROVED else None


def _extract(petition: Petition) -> dict[str, str]:
    body = mask_text(petition.body)
    answer = _approved_answer(petition)
    if answer is not None:
        body = f"{body}\n\n{mask_text(answer.body)}"
    return {"title": mask_text(petition.title), "body": body}


def _url(petition: Petition) -> str:
    try:
        return reverse("petitions:detail", kwargs={"pk": petition.pk})
    except NoReverseMatch:  # the public pages are not wired yet: the path they will have
        return f"/petitions/{petition.pk}/"


def _visibility(petition: Petition) -> Visibility:
    if petition.is_public:
        return Visibility.public()
    users = [petition.user_id]
    if petition.handler_id is not None:
        users.append(petition.handler.user_id)
    try:
        answer = petition.answer
    except ObjectDoesNotExist:
        answer = None
    if answer is not None and answer.approver_id is not None:
        users.append(answer.approver.user_id)
    return Visibility.restricted(user_ids=users, department_ids=[petition.department_id])


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
    queryset=_searchable,
    # A petition on the fast path is indexed when its receipt is finished (services.py).
    index_on_save=lambda petition: not petition.intake_pending,
)


def register_petitions() -> None:
    register(petition_document)


register_petitions()
