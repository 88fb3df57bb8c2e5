import pytest


@pytest.fixture(autouse=True)
def _fewer_demo_petitions(settings):
    # The loader's structure and idempotency are under test here, not the volume: a tenth of
    # the demo petitions keeps every state and these tests quick.
    settings.DEMO_PETITION_SCALE = 0.1
