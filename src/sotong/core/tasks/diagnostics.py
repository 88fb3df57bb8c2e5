"""Tasks that check the task machinery itself."""

from __future__ import annotations

import os
import socket

from django.utils import timezone
from django_tasks import task


@task()
def ping(token: str = "") -> dict[str, str | int]:
    """Proves that a worker took a task from its queue and ran our code. The answer says which
    process ran it, so a test or an operator can tell a real worker from an in-process run."""
    return {
        "pong": token,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "at": timezone.now().isoformat(),
    }
