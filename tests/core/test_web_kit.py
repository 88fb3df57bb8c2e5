"""The shared web kit (issue 12, point 3): core.text, core.ratelimit, core.web."""

import unicodedata

import pytest
from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError

from sotong.core import ratelimit
from sotong.core.text import clean_text, decode_csv
from sotong.core.web import add_service_errors


def test_clean_text_keeps_tabs_and_lines_and_drops_other_controls():
    decomposed = unicodedata.normalize("NFD", "한글")
    assert clean_text(f"  {decomposed}\x00\x07\tA\r\nB\rC\x7f  ") == "한글\tA\nB\nC"
    assert clean_text(None) == ""
    assert clean_text(12) == "12"


def test_decode_csv_tries_utf8_then_cp949_and_refuses_the_rest():
    assert decode_csv("\ufeff이름".encode()) == ("이름", "utf-8-sig")
    assert decode_csv("이름".encode()) == ("이름", "utf-8")
    assert decode_csv("이름".encode("cp949")) == ("이름", "cp949")
    assert decode_csv(b"\xff\xff\xff") is None


@pytest.mark.django_db
def test_rate_limited_counts_a_fixed_window_per_action_and_client():
    cache.clear()
    limits = {"send": (2, 60)}
    assert [ratelimit.rate_limited("kit", "send", "1.2.3.4", limits) for _ in range(3)] == [
        False,
        False,
        True,
    ]
    assert ratelimit.rate_limited("kit", "send", "5.6.7.8", limits) is False


class _Form(forms.Form):
    title = forms.CharField()


def test_add_service_errors_puts_known_fields_on_the_field_and_the_rest_on_the_form():
    form = _Form(data={"title": "x"})
    form.is_valid()
    add_service_errors(form, ValidationError({"title": "짧음", "other": "없는 칸"}))
    assert form.errors["title"] == ["짧음"]
    assert form.non_field_errors() == ["없는 칸"]
    plain = _Form(data={"title": "x"})
    plain.is_valid()
    add_service_errors(plain, ValidationError("전체 오류"))
    assert plain.non_field_errors() == ["전체 오류"]
