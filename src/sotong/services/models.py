"""The service guide (행정서비스 안내). For now its knowledge base of frequent questions with
answers (`FaqEntry`), such as the Seoul 120 call centre's "120 주요질문".

Rules of one row live here; everything that changes state goes through `services.py`."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

source_validator = RegexValidator(
    r"^[a-z][a-z0-9_-]{1,29}$", _("출처 코드는 영문 소문자, 숫자, _, -로 2–30자를 입력하세요.")
)


# The Korean names of the categories, whatever language the page is in: the import matches them
# against the file's 분류 column, and the search index files entries under them (the search page
# translates them for display, the Korean names being the msgids).
CATEGORY_NAMES = {
    "administration": "행정",
    "economy": "경제",
    "welfare": "복지",
    "environment": "환경",
    "housing": "주택도시계획",
    "culture": "문화관광",
    "transport": "교통",
    "safety": "안전",
    "health": "건강",
    "family": "여성가족",
    "other": "기타",
}


class FaqEntry(models.Model):
    """One frequent question with its answer. Imported entries keep the source's own id
    (`source`, `source_id`), so a re-import updates them instead of adding copies."""

    class Category(models.TextChoices):
        # The ten categories of the Seoul 120 knowledge base, in its order, and 기타.
        ADMINISTRATION = "administration", _("행정")
        ECONOMY = "economy", _("경제")
        WELFARE = "welfare", _("복지")
        ENVIRONMENT = "environment", _("환경")
        HOUSING = "housing", _("주택도시계획")
        CULTURE = "culture", _("문화관광")
        TRANSPORT = "transport", _("교통")
        SAFETY = "safety", _("안전")
        HEALTH = "health", _("건강")
        FAMILY = "family", _("여성가족")
        OTHER = "other", _("기타")

    title = models.CharField(_("제목"), max_length=300)
    answer = models.TextField(_("답변"), blank=True)
    category = models.CharField(
        _("분류"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    source = models.CharField(
        _("출처 코드"),
        max_length=30,
        default="local",
        validators=[source_validator],
        help_text=_("가져온 곳 (예: seoul120). 직접 작성한 항목은 local"),
    )
    source_id = models.CharField(
        _("출처 번호"),
        max_length=40,
        blank=True,
        help_text=_("출처에서 쓰는 번호 (서울 120의 내용번호). 출처마다 한 번만 쓸 수 있습니다."),
    )
    organization = models.ForeignKey(
        "org.Organization",
        verbose_name=_("답변 기관"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="faq_entries",
    )
    attribution = models.CharField(_("출처 표시"), max_length=300, blank=True)
    published = models.BooleanField(_("공개"), default=True)
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)

    class Meta:
        verbose_name = _("자주 묻는 질문")
        verbose_name_plural = _("자주 묻는 질문")
        ordering = ["category", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="faq_source_id_unique",
                violation_error_message=_("이 출처에 같은 출처 번호가 이미 있습니다."),
            )
        ]
        indexes = [models.Index(fields=["published", "category"], name="faq_published_category")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("services:faq_detail", kwargs={"pk": self.pk})

    @property
    def category_name(self) -> str:
        """The category's Korean name (see CATEGORY_NAMES)."""
        return CATEGORY_NAMES.get(self.category, CATEGORY_NAMES["other"])

    def audit_label(self) -> str:
        return f"FAQ #{self.pk} {self.title[:80]}"
