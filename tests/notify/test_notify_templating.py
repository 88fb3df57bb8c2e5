"""The restricted template language of notify."""

import pytest
from django.core.exceptions import ValidationError

from sotong.notify.templating import (
    MissingVariables,
    template_missing,
    template_preview,
    template_render,
    template_validate,
    template_variables,
)


def test_variables_dotted_and_korean_names():
    text = "{{ 이름 }}님, {{ petition.title }} {% if dong %}{{ dong }}{% endif %}"
    assert template_variables(text) == {"이름", "petition.title", "dong"}
    context = {"이름": "홍길동", "petition": {"title": "가로등"}, "dong": "충현동"}
    assert template_render(text, context) == "홍길동님, 가로등 충현동"


def test_if_elif_else_with_operators():
    text = "{% if n > 10 %}많음{% elif n == 0 %}없음{% else %}조금{% endif %}"
    assert template_render(text, {"n": 11}) == "많음"
    assert template_render(text, {"n": 0}) == "없음"
    assert template_render(text, {"n": 3}) == "조금"
    assert template_render("{% if a and not b %}y{% endif %}", {"a": 1}) == "y"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{% for x in y %}{% endfor %}", "{% for %} 명령은 쓸 수 없습니다"),
        ("{% load static %}", "{% load %}"),
        ("{% include 'base.html' %}", "{% include %}"),
        ("{{ name|upper }}", "필터(|upper)"),
        ("{% if x|length %}a{% endif %}", "필터(|length)"),
        ("{% if x %}a", "닫히지 않았습니다"),
        ("{% endif %}", "맞는 {% if %}가 없습니다"),
        ("{{ }}", "빈 변수"),
        ("{{ _secret }}", "밑줄"),
        ("{% if %}a{% endif %}", "조건"),
        ("{% %}", "빈 명령"),
    ],
)
def test_anything_else_is_refused_in_korean(text, fragment):
    with pytest.raises(ValidationError) as caught:
        template_validate(text, field="body")
    assert fragment in caught.value.message_dict["body"][0]


def test_missing_printed_variable_raises_with_names():
    with pytest.raises(MissingVariables) as caught:
        template_render("{{ a }} {{ b }} {{ c }}", {"b": "", "c": None})
    assert caught.value.names == ("a", "b", "c")
    assert "a, b, c" in str(caught.value)


def test_variable_only_tested_or_in_branch_not_taken_is_not_required():
    text = "{% if child %}{{ child_name }}{% else %}안내{% endif %}"
    assert template_render(text, {}) == "안내"
    assert template_missing(text, {"child": True}) == ["child_name"]
    assert template_render("{{ zero }}", {"zero": 0}) == "0"


def test_autoescape_for_html():
    assert template_render("{{ x }}", {"x": "<b>&"}) == "<b>&"
    assert template_render("{{ x }}", {"x": "<b>&"}, autoescape=True) == "&lt;b&gt;&amp;"


def test_preview_shows_placeholders():
    rendered, missing = template_preview("{{ a }}님 {{ b }}", {"a": "홍"})
    assert rendered == "홍님 [b]"
    assert missing == ["b"]


def test_callables_in_context_do_not_crash():
    class Thing:
        def method(self, required):
            return required

    assert template_missing("{{ t.method }}", {"t": Thing()}) == ["t.method"]
