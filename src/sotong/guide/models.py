"""The service guide (행정서비스 안내). For now its knowledge base of frequent questions with
answers (`FaqEntry`), such as the Seoul 120 call centre's "120 주요질문".

Rules of one row live here; everything that changes state goes through `services.py`."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sotong.core.privacy.fields import EncryptedJSONField

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


# --- the service catalogue (밀착행정) ---------------------------------------------------------------
# Facets are bit masks, as in `sotong.core.vocab` (filter with vocab.filter_any/filter_all, build
# with vocab.to_mask/from_mask). Never renumber a member; add new ones at the end.


class ServiceLifeStage(models.TextChoices):
    """`core.vocab.LifeStage` (same members, same bits, so a subscriber's mask and a service's
    mask meet) plus 전생애, a service for every stage."""

    PREGNANCY = "pregnancy", _("임신·출산")
    INFANT = "infant", _("영유아")
    CHILD = "child", _("아동")
    YOUTH = "youth", _("청소년")
    YOUNG_ADULT = "young_adult", _("청년")
    MIDDLE_AGED = "middle_aged", _("중장년")
    SENIOR = "senior", _("어르신")
    LIFELONG = "lifelong", _("전생애")


class ServiceValue(models.TextChoices):
    """The values of Jung-gu's and Seoul's bundles (서울을 가지세요)."""

    SAFETY = "safety", _("안심")
    HEALTH = "health", _("건강")
    CONVENIENCE = "convenience", _("편리")
    JOY = "joy", _("즐거움")
    REST = "rest", _("휴식")
    COEXISTENCE = "coexistence", _("상생")
    INNOVATION = "innovation", _("혁신")
    ECONOMY = "economy", _("경제")
    HOUSING = "housing", _("주택")
    ENVIRONMENT = "environment", _("환경")


class ServiceSituation(models.TextChoices):
    """Seoul's situations (서울을 가지세요)."""

    WALLET = "wallet", _("지갑허전")
    UNWELL = "unwell", _("몸맘아픔")
    WEEKEND = "weekend", _("주말뭐해")
    BUSY_SAFE = "busy_safe", _("안전바쁨")
    VITALITY = "vitality", _("활력필요")


class Service(models.Model):
    """One service a resident can apply for or use, with what public service catalogues
    (정부24 보조금24, 복지로) publish. Imported services keep the source's id (`source`,
    `source_id`): a re-import updates them. Every change goes through `services_catalogue`."""

    class Field(models.TextChoices):
        # The service fields (서비스 분야) of the national catalogue (정부24 보조금24).
        LIVELIHOOD = "livelihood", _("생활안정")
        HOUSING = "housing", _("주거·자립")
        CHILDCARE = "childcare", _("보육·교육")
        EMPLOYMENT = "employment", _("고용·창업")
        HEALTH = "health", _("보건·의료")
        ADMIN_SAFETY = "admin_safety", _("행정·안전")
        PREGNANCY = "pregnancy", _("임신·출산")
        CARE = "care", _("보호·돌봄")
        CULTURE = "culture", _("문화·환경")
        AGRICULTURE = "agriculture", _("농림축산어업")

    class ProviderKind(models.TextChoices):
        # Seodaemun's welfare resource DB groups its 152 providers so.
        CENTRAL = "central", _("중앙부처")
        DISTRICT = "district", _("구청·주민센터")
        MEDICAL = "medical", _("병원·보건소")
        WELFARE_CENTER = "welfare_center", _("복지관")
        FOUNDATION = "foundation", _("재단")
        OTHER = "other", _("기타")

    organization = models.ForeignKey(
        "org.Organization",
        verbose_name=_("운영 기관"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        help_text=_("이 서비스를 안내하는 기관. 비우면 전국 공통(중앙부처) 서비스"),
    )
    source = models.CharField(
        _("출처 코드"), max_length=30, default="local", validators=[source_validator]
    )
    source_id = models.CharField(_("출처 번호"), max_length=60, blank=True)
    name = models.CharField(_("서비스명"), max_length=200)
    summary = models.TextField(_("서비스 목적"), max_length=1000)
    field = models.CharField(_("분야"), max_length=20, choices=Field.choices)
    provider_name = models.CharField(_("제공 기관"), max_length=200)
    provider_kind = models.CharField(
        _("제공 기관 유형"), max_length=20, choices=ProviderKind.choices
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("담당 부서"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
    target = models.TextField(_("지원 대상"), blank=True)
    criteria = models.TextField(_("선정 기준"), blank=True)
    benefit = models.TextField(_("지원 내용"), blank=True)
    application_period = models.CharField(_("신청 기간"), max_length=200, blank=True)
    apply_online_url = models.URLField(_("온라인 신청 주소"), max_length=500, blank=True)
    apply_visit = models.CharField(_("방문 신청"), max_length=300, blank=True)
    apply_phone = models.CharField(_("전화 신청"), max_length=100, blank=True)
    documents = models.TextField(_("구비 서류"), blank=True)
    receiving_office = models.CharField(_("접수 기관"), max_length=200, blank=True)
    contact = models.CharField(_("문의처"), max_length=200, blank=True)
    source_url = models.URLField(_("출처 주소"), max_length=500, blank=True)
    last_checked = models.DateField(_("최종 확인일"), null=True, blank=True)
    review_due = models.DateField(
        _("다음 검토일"), null=True, blank=True, help_text=_("이 날까지 내용을 다시 확인합니다.")
    )
    # Facets (bit masks, see the vocabularies above and core.vocab).
    life_stages = models.PositiveIntegerField(_("생애주기"), default=0)
    target_groups = models.PositiveIntegerField(_("대상 특성"), default=0)
    values = models.PositiveIntegerField(_("가치"), default=0)
    situations = models.PositiveIntegerField(_("상황"), default=0)
    interests = models.PositiveIntegerField(_("관심 분야"), default=0)
    published = models.BooleanField(_("공개"), default=True)
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)

    class Meta:
        verbose_name = _("서비스")
        verbose_name_plural = _("서비스")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="service_source_id_unique",
                violation_error_message=_("이 출처에 같은 출처 번호가 이미 있습니다."),
            )
        ]
        indexes = [
            models.Index(fields=["published", "field"], name="service_published_field"),
            models.Index(fields=["organization", "published"], name="service_org_published"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("services:service_detail", kwargs={"pk": self.pk})

    def audit_label(self) -> str:
        return f"서비스 #{self.pk} {self.name[:80]}"


class EligibilityRule(models.Model):
    """One structured criterion of a service, evaluated by `eligibility.py` against a
    resident's answers with the parameters in force on a date. `params` by kind:

    - age: {"min": 65} and/or {"max": 34} — 만 나이 (inclusive) on the date
    - residence: {"organizations": ["seodaemun"], "dongs": ["신촌동"]} — organisation codes;
      dongs optional (names, within those organisations)
    - income: {"percent_of_median": 50} — monthly household income ≤ that % of the
      기준중위소득 (Parameter "median_income") for the household size; or
      {"parameter": "basic_pension_threshold", "by": "couple"|"single"|"household"} —
      income ≤ that parameter's amount (`by` "household": key "couple" when the household type
      is "couple", else "single")
    - household_size: {"min": 2} and/or {"max": 5}
    - household_type: {"in": ["single_parent", "multicultural"]} (values of HOUSEHOLD_TYPES
      in eligibility.py)
    - disability: {"required": true}
    - employment: {"in": ["unemployed", "self_employed"]} (EMPLOYMENT_STATUSES)
    - pregnancy: {"required": true}
    - child_age: {"min_months": 0, "max_months": 96} — at least one child in range
    `text` overrides the generated description ("나이 만 65세 이상")."""

    class Kind(models.TextChoices):
        AGE = "age", _("나이")
        RESIDENCE = "residence", _("거주지")
        INCOME = "income", _("소득")
        HOUSEHOLD_SIZE = "household_size", _("가구원 수")
        HOUSEHOLD_TYPE = "household_type", _("가구 유형")
        DISABILITY = "disability", _("장애")
        EMPLOYMENT = "employment", _("취업 상태")
        PREGNANCY = "pregnancy", _("임신")
        CHILD_AGE = "child_age", _("자녀 나이")

    service = models.ForeignKey(
        Service, verbose_name=_("서비스"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("기준값"), default=dict)
    text = models.CharField(_("설명"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        verbose_name = _("자격 기준")
        verbose_name_plural = _("자격 기준")
        ordering = ["service", "order", "pk"]

    def __str__(self) -> str:
        return self.text or self.get_kind_display()


class Parameter(models.Model):
    """A dated value rules refer to: the 기준중위소득 by household size ("median_income", keys
    "1"…"7"), the 기초연금 선정기준액 ("basic_pension_threshold", "single"/"couple") … A value is
    in force from `valid_from` until the next value of the same code and key (or `valid_until`)."""

    code = models.CharField(_("코드"), max_length=60)
    key = models.CharField(_("구분"), max_length=30, default="", blank=True)
    valid_from = models.DateField(_("적용 시작일"))
    valid_until = models.DateField(_("적용 종료일"), null=True, blank=True)
    amount = models.BigIntegerField(_("금액(원)"))
    label = models.CharField(_("이름"), max_length=200, blank=True)
    source = models.CharField(_("근거"), max_length=300)

    class Meta:
        verbose_name = _("기준값")
        verbose_name_plural = _("기준값")
        ordering = ["code", "key", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "key", "valid_from"], name="parameter_code_key_from_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}[{self.key}] {self.valid_from}: {self.amount}"


class SavedProfile(models.Model):
    """A logged-in resident's questionnaire answers, saved only when they chose to (encrypted:
    income, disability and household are personal data). One per user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_profile"
    )
    answers = EncryptedJSONField(_("답변"), default=dict)
    notify_on_match = models.BooleanField(_("맞는 서비스 알림"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("맞춤 안내 정보")
        verbose_name_plural = _("맞춤 안내 정보")

    def __str__(self) -> str:
        return f"맞춤 안내 정보 #{self.pk}"


class ServiceView(models.Model):
    """A resident's recently viewed services (the newest view per service is kept)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="service_view_unique")
        ]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="service_view_recent")]

    def __str__(self) -> str:
        return f"서비스 #{self.service_id} 열람"


class SavedService(models.Model):
    """A service a resident saved (관심 서비스)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="saved_service_unique")
        ]

    def __str__(self) -> str:
        return f"서비스 #{self.service_id} 저장"


class CatalogueImport(models.Model):
    """One upload of a catalogue file in the admin: checked whole first (nothing is imported
    when a row is wrong), then imported by a background task that counts its progress here."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("검사 중")
        REJECTED = "rejected", _("오류로 거부")
        IMPORTING = "importing", _("가져오는 중")
        DONE = "done", _("완료")
        FAILED = "failed", _("실패")

    organization = models.ForeignKey(
        "org.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("파일 이름"), max_length=200)
    status = models.CharField(
        _("상태"), max_length=20, choices=Status.choices, default=Status.CHECKING
    )
    total = models.PositiveIntegerField(_("전체 행"), default=0)
    done = models.PositiveIntegerField(_("처리한 행"), default=0)
    created = models.PositiveIntegerField(_("새로 만든 서비스"), default=0)
    updated = models.PositiveIntegerField(_("고친 서비스"), default=0)
    unchanged = models.PositiveIntegerField(_("그대로인 서비스"), default=0)
    errors = models.JSONField(_("오류"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("서비스 목록 가져오기")
        verbose_name_plural = _("서비스 목록 가져오기")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
