"""Settings of the server `petition_intake.py` starts: the application's own settings, with a
URL configuration that adds the baseline view (`petition_intake_urls.py`), served on the lean
path as the API is (LEAN_PATH_PREFIXES): the baseline is what the stack costs a machine
client's request. Bench code stays in bench/; the application is served unchanged."""

from sotong.settings import *  # noqa: F403

ROOT_URLCONF = "petition_intake_urls"
LEAN_PATH_PREFIXES = (*LEAN_PATH_PREFIXES, "/bench/")  # noqa: F405
