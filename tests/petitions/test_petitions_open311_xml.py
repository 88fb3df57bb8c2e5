"""Open311's XML writer (`open311/format.py`, `to_xml`) writes strings instead of building an
ElementTree (issue 12, point 7: the tree cost more than the rest of a POST's answer). Its output
must stay byte for byte what ElementTree wrote: the reference below is the former writer."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from sotong.petitions.open311.format import (
    CHILD_ELEMENTS,
    SEOUL,
    XML_DECLARATION,
    _xml_text,
    to_xml,
)


def reference_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for name, child in value.items():
            reference_fill(ET.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        child_name = CHILD_ELEMENTS.get(element.tag, "item")
        for child in value:
            reference_fill(ET.SubElement(element, child_name), child)
    else:
        element.text = _xml_text(value)


def reference_to_xml(data: Any, *, root: str, item: str | None = None) -> str:
    element = ET.Element(root)
    if item is not None:
        for member in data:
            reference_fill(ET.SubElement(element, item), member)
    else:
        reference_fill(element, data)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


WHEN = datetime.datetime(2026, 12, 7, 18, 0, tzinfo=SEOUL)
TRICKY = "A & B <tag> \"quoted\" 'single' > \r\n\t 가로등 \x01\x0b\ud800 ]]> &amp;"

DOCUMENTS = [
    ([], {"root": "service_requests", "item": "request"}),
    (
        [
            {
                "service_request_id": "12",
                "token": "abc",
                "service_notice": "처리 기간 7일, 처리 기한 2026-12-16 18:00",
                "account_id": None,
            }
        ],
        {"root": "service_requests", "item": "request"},
    ),
    (
        [
            {
                "description": TRICKY,
                "lat": Decimal("37.563600"),
                "long": Decimal("126.9"),
                "requested_datetime": WHEN,
                "address": "",
                "zipcode": None,
                "metadata": True,
                "other": False,
                "order": 0,
            },
            {"description": "둘째", "lat": None},
        ],
        {"root": "service_requests", "item": "request"},
    ),
    ([{"code": 400, "description": TRICKY}], {"root": "errors", "item": "error"}),
    (
        {
            "service_code": "street-light",
            "attributes": [
                {
                    "code": "kind",
                    "required": True,
                    "values": [{"key": "off", "name": "꺼짐 & 깜빡임"}],
                },
                {"code": "pole", "values": []},
            ],
        },
        {"root": "service_definition"},
    ),
    (
        {
            "changeset": WHEN,
            "endpoints": [{"formats": ["text/xml", "application/json"], "type": "test"}],
            "nested": {},
        },
        {"root": "discovery"},
    ),
    ({}, {"root": "discovery"}),
]


@pytest.mark.parametrize(("data", "names"), DOCUMENTS)
def test_to_xml_writes_what_elementtree_wrote(data, names):
    assert to_xml(data, **names) == reference_to_xml(data, **names)
