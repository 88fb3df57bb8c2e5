from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sotong.core.audit"
    label = "audit"
    verbose_name = "감사 기록"
