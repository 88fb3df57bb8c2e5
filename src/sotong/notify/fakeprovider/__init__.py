"""The fake SMS/KakaoTalk provider (solapi API v4 protocol) used by tests, the demo and the
fan-out benchmark. See `server.py` (HTTP) and `state.py` (what it records); run it with
``python -m sotong.notify.fakeprovider``."""

from .server import FakeProviderServer, make_server
from .state import FakeState, mask_number

__all__ = ["FakeProviderServer", "FakeState", "make_server", "mask_number"]
