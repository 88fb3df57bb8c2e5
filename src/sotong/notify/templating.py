"""The template language of notify: Django's, restricted to what staff need and no more.

    안녕하세요, {{ organization }}입니다.
    {% if dong %}{{ dong }} 주민께 알려 드립니다.{% else %}주민께 알려 드립니다.{% endif %}
    신청: {{ service.url }}

Allowed: variables `{{ name }}` with dotted lookups into the context's dictionaries
(`{{ petition.title }}`; names may be Korean), and `{% if %}` / `{% elif %}` / `{% else %}` /
`{% endif %}` with Django's operators (`and`, `or`, `not`, `==`, `in` …). Refused at save time,
with a Korean `ValidationError`: every other tag (`for`, `include`, `load` …) and every filter
(`|upper`). The engine that parses the templates has no other tags and no filters at all, so a
template cannot reach anything else even if a check were forgotten.

A variable "has no value" when it is absent, None or the empty string. `template_render` raises
`MissingVariables` when a printed variable has no value; a variable only used in an `if` test is
not required (a false or missing test simply takes the other branch), and a variable printed in a
branch that is not taken is not required either.

Contexts are plain data (what JSON holds): dicts, lists, strings, numbers. Compiled templates are
cached by their text, so every message of a campaign reuses one compiled body."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Engine, Library, TemplateSyntaxError
from django.template.base import (
    FilterExpression,
    NodeList,
    TextNode,
    Variable,
    VariableDoesNotExist,
    VariableNode,
)
from django.template.defaulttags import IfNode, TemplateLiteral, do_if
from django.utils.html import conditional_escape
from django.utils.translation import gettext as _

# The only library of the engine below: `if` and nothing else (no filters).
register = Library()
register.tag("if", do_if)


class _RestrictedEngine(Engine):
    default_builtins: list[str] = []


_engine = _RestrictedEngine(builtins=[__name__], libraries={}, debug=False, autoescape=False)


class MissingVariables(Exception):
    """Printed variables without a value. `names` is sorted."""

    def __init__(self, names):
        self.names = tuple(sorted(set(names)))
        super().__init__(
            _("값이 없는 변수가 있습니다: %(names)s") % {"names": ", ".join(self.names)}
        )


@dataclass(frozen=True)
class Compiled:
    nodelist: NodeList
    variables: frozenset[str]  # every variable the text uses (printed or tested)
    printed: frozenset[str]  # variables printed somewhere (the ones that may be required)


def _rules() -> str:
    return _("{{ 변수 }}와 {% if 조건 %} … {% elif %} … {% else %} … {% endif %}만 쓸 수 있습니다.")


def _korean_error(exc: TemplateSyntaxError) -> str:
    message = str(exc)
    if m := re.match(r"Invalid block tag on line (\d+): '([^']*)'", message):
        line, tag = m.groups()
        if tag in {"elif", "else", "endif"}:
            return _("%(line)s번째 줄: {%% %(tag)s %%}에 맞는 {%% if %%}가 없습니다.") % {
                "line": line,
                "tag": tag,
            }
        return _("%(line)s번째 줄: {%% %(tag)s %%} 명령은 쓸 수 없습니다. %(rules)s") % {
            "line": line,
            "tag": tag,
            "rules": _rules(),
        }
    if m := re.match(r"Invalid filter: '([^']*)'", message):
        return _("필터(|%(filter)s)는 쓸 수 없습니다. %(rules)s") % {
            "filter": m.group(1),
            "rules": _rules(),
        }
    if m := re.match(r"Unclosed tag on line (\d+): '([^']*)'", message):
        return _("%(line)s번째 줄의 {%% %(tag)s %%}가 {%% endif %%}로 닫히지 않았습니다.") % {
            "line": m.group(1),
            "tag": m.group(2),
        }
    if m := re.match(r"Empty variable tag on line (\d+)", message):
        return _("%(line)s번째 줄: 빈 변수 {{ }}가 있습니다.") % {"line": m.group(1)}
    if "may not begin with underscores" in message:
        return _("변수 이름은 밑줄(_)로 시작할 수 없습니다.")
    if m := re.match(r"Could not parse the remainder: '([^']*)' from '([^']*)'", message):
        return _("%(text)s: 변수 이름을 읽을 수 없습니다. %(rules)s") % {
            "text": m.group(2),
            "rules": _rules(),
        }
    if "if tag" in message or "if expression" in message:
        return _("{%% if %%}의 조건을 읽을 수 없습니다 (%(detail)s).") % {"detail": message}
    if "Empty block tag" in message:
        return _("빈 명령 {%% %%}가 있습니다. %(rules)s") % {"rules": _rules()}
    return _("틀의 문법이 올바르지 않습니다 (%(detail)s). %(rules)s") % {
        "detail": message,
        "rules": _rules(),
    }


def _names_of_condition(node: Any, out: set[str]) -> None:
    if node is None:
        return
    if isinstance(node, TemplateLiteral):
        _names_of_expression(node.value, out)
        return
    _names_of_condition(getattr(node, "first", None), out)
    _names_of_condition(getattr(node, "second", None), out)


def _names_of_expression(expression: FilterExpression, out: set[str]) -> None:
    var = expression.var
    if isinstance(var, Variable) and var.lookups:
        out.add(".".join(var.lookups))


def _walk(nodelist: NodeList, variables: set[str], printed: set[str]) -> None:
    for node in nodelist:
        if isinstance(node, VariableNode):
            names: set[str] = set()
            _names_of_expression(node.filter_expression, names)
            variables |= names
            printed |= names
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                _names_of_condition(condition, variables)
                _walk(branch, variables, printed)
        elif not isinstance(node, TextNode):  # pragma: no cover - the engine has no other nodes
            raise ValidationError(_rules())


@functools.lru_cache(maxsize=4096)
def _compile_cached(text: str) -> Compiled | TemplateSyntaxError:
    # Errors are cached too: a bad body is parsed once per process.
    try:
        template = _engine.from_string(text)
    except TemplateSyntaxError as exc:
        return exc
    variables: set[str] = set()
    printed: set[str] = set()
    _walk(template.nodelist, variables, printed)
    return Compiled(template.nodelist, frozenset(variables), frozenset(printed))


def template_compile(text: str, *, field: str | None = None) -> Compiled:
    """The compiled `text`, or a Korean ValidationError (on `field` when given)."""
    compiled = _compile_cached(text or "")
    if isinstance(compiled, TemplateSyntaxError):
        message = _korean_error(compiled)
        raise ValidationError({field: message} if field else message, code="template")
    return compiled


def template_validate(text: str, *, field: str | None = None) -> None:
    """Refuse a text outside the language (ValidationError, on `field` when given)."""
    template_compile(text, field=field)


def template_variables(text: str) -> set[str]:
    """Every variable `text` uses, printed or tested (dotted paths as written)."""
    return set(template_compile(text).variables)


class _Context(dict):
    # Django's lookup reads `context.template.engine.string_if_invalid` in rare paths (a callable
    # that cannot be called); plain data never takes them, but they must not crash if it does.
    template = SimpleNamespace(engine=SimpleNamespace(string_if_invalid=""))


def _has_value(value: Any) -> bool:
    return value is not None and value != ""


def _render_nodes(
    nodelist: NodeList,
    context: _Context,
    out: list[str],
    missing: set[str],
    autoescape: bool,
    placeholder: bool,
) -> None:
    for node in nodelist:
        if isinstance(node, TextNode):
            out.append(node.s)
        elif isinstance(node, VariableNode):
            expression = node.filter_expression
            var = expression.var
            if not isinstance(var, Variable):  # a quoted literal: {{ "text" }}
                value: Any = var
            else:
                try:
                    value = var.resolve(context)
                except VariableDoesNotExist:
                    value = None
            if not _has_value(value):
                name = ".".join(var.lookups) if isinstance(var, Variable) and var.lookups else ""
                missing.add(name or str(var))
                if placeholder:
                    out.append(f"[{name}]")
                continue
            if isinstance(value, bool):
                value = _("예") if value else _("아니요")
            out.append(str(conditional_escape(value)) if autoescape else str(value))
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                if condition is None:
                    match = True
                else:
                    try:
                        match = condition.eval(context)
                    except VariableDoesNotExist:
                        match = None
                if match:
                    _render_nodes(branch, context, out, missing, autoescape, placeholder)
                    break


def render_compiled(
    compiled: Compiled,
    context: Mapping[str, Any],
    *,
    autoescape: bool = False,
    placeholder: bool = False,
) -> tuple[str, set[str]]:
    """(text, missing names). With `placeholder`, a missing variable shows as "[name]"."""
    out: list[str] = []
    missing: set[str] = set()
    _render_nodes(compiled.nodelist, _Context(context), out, missing, autoescape, placeholder)
    return "".join(out), missing


def template_render(text: str, context: Mapping[str, Any], *, autoescape: bool = False) -> str:
    """`text` rendered with `context`; MissingVariables when a printed variable has no value."""
    rendered, missing = render_compiled(template_compile(text), context, autoescape=autoescape)
    if missing:
        raise MissingVariables(missing)
    return rendered


def template_missing(text: str, context: Mapping[str, Any]) -> list[str]:
    """The printed variables that would have no value with `context` (sorted; never raises for
    missing values)."""
    _, missing = render_compiled(template_compile(text), context)
    return sorted(missing)


def template_preview(text: str, context: Mapping[str, Any]) -> tuple[str, list[str]]:
    """Rendered text with "[name]" where a value is missing, and the missing names."""
    rendered, missing = render_compiled(template_compile(text), context, placeholder=True)
    return rendered, sorted(missing)
