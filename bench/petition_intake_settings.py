"""Settings of the server `petition_intake.py` starts: the application's own settings, with a
URL configuration that adds the baseline view (`petition_intake_urls.py`). Bench code stays in
bench/; the application is served unchanged."""

from sotong.settings import *  # noqa: F403

ROOT_URLCONF = "petition_intake_urls"
