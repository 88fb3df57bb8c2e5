"""Stored periods shown in the reader's language."""

import pytest
from django.utils import translation

from sotong.petitions.templatetags.petitions_tags import period_label


@pytest.mark.parametrize(
    ("text", "ko", "en"),
    [
        ("14일", "14일", "14 days"),
        ("1일", "1일", "1 day"),
        ("즉시", "즉시", "Immediately"),
        ("2주", "2주", "2 weeks"),
        ("1개월", "1개월", "1 month"),
        ("3시간", "3시간", "3 working hours"),
        ("엉터리", "엉터리", "엉터리"),
    ],
)
def test_period_label(text, ko, en):
    with translation.override("ko"):
        assert period_label(text) == ko
    with translation.override("en"):
        assert period_label(text) == en
