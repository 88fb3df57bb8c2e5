"""Django's `flush`, which empties every table, with the audit log's append-only guard lifted for
the moment it takes. Without this, the database triggers refuse to empty the audit table, and test
runs that flush between tests (transactional tests) would fail."""

from __future__ import annotations

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from sotong.core.audit.guard import guard_lifted


class Command(FlushCommand):
    def handle(self, **options) -> None:
        with guard_lifted(connections[options["database"]]):
            super().handle(**options)
