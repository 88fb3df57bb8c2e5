"""Loaded by pytest with `-p sotong.pytest_plugin` (see pyproject's addopts) before pytest-django
reads the settings, so that `pytest` alone runs the suite exactly as `make test` does."""

import os

os.environ["SOTONG_ENV"] = "test"
os.environ.setdefault("SOTONG_TASK_BACKEND", "immediate")
os.environ.setdefault("SOTONG_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
