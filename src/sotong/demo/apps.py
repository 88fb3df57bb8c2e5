from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sotong.demo"
    label = "demo"
    verbose_name = "데모 정부"
