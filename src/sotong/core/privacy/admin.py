"""The personal-data access log in the admin: read-only, for auditors (people with the
`privacy.view_personaldataaccess` permission), filtered by who read, whose data and when."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sotong.core.admin import ReadOnlyAdmin

from .models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "actor", "whose", "field_list", "purpose", "where"]
    list_filter = [
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("subject", admin.RelatedOnlyFieldListFilter),
        "accessed_at",
    ]
    search_fields = [
        "actor__email",
        "subject__email",
        "subject_label",
        "purpose",
        "view_name",
        "object_id",
    ]
    date_hierarchy = "accessed_at"
    list_select_related = ["actor", "subject"]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "accessed_at",
        "actor",
        "subject",
        "subject_label",
        "field_list",
        "purpose",
        "view_name",
        "object_type",
        "object_id",
        "ip_address",
    ]
    readonly_fields = fields

    @admin.display(description=_("정보주체"))
    def whose(self, record: PersonalDataAccess) -> str:
        return str(record.subject) if record.subject_id else record.subject_label

    @admin.display(description=_("열람 항목"))
    def field_list(self, record: PersonalDataAccess) -> str:
        return ", ".join(record.fields)

    @admin.display(description=_("열람 위치"))
    def where(self, record: PersonalDataAccess) -> str:
        return record.where or "-"
