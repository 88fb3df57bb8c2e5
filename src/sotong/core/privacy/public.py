"""What the public may read of text people wrote: the one way every public surface (pages,
Open311, the JSON API, search snippets, suggestions, CSV exports, feeds, messages to people who
are not the writer) renders user-written text and places.

    from sotong.core.privacy.public import public_text, public_place
    {% load sotong_tags %}{{ petition.title|public }}

- `public_text(text)`: personal data masked (`mask_text`: phones, e-mail addresses, resident
  numbers, cards, accounts, … and names where the context marks them). Never raises.
- `public_place(address, latitude, longitude, exact=False)`: the place at street level — the road
  (or the 동/리 of a 지번 address) without the building number, the map point rounded to
  `PLACE_DECIMALS` decimals (about 100 m) — unless `exact` (staff marked the exact place public:
  a street light, a road). The address is masked like any text in both cases.

Pure Python (no Django): usable by the logging filter, commands and templates alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .detect import mask_text

# 0.001° is 111 m of latitude and about 90 m of longitude in Korea.
PLACE_DECIMALS = 3
_QUANTUM = Decimal(1).scaleb(-PLACE_DECIMALS)

# Where a place's details begin: a token that starts with a digit (a building number "123-4",
# a lot "123번지", a unit "101동"), a mountain lot "산12-3", a bracket "(연희동)" or a comma.
_DETAIL_START = re.compile(r"^(?:[0-9０-９]|산\s*[0-9０-９]|[(\[（［,，])")
# A road or area name with its number glued on: "연희로123", "연희동123-4".
_GLUED_NUMBER = re.compile(r"^(?P<name>\D*?[로길동리가])\s*[0-9０-９][0-9０-９\-‐~번지호]*$")


def public_text(text: Any) -> str:
    """`text` as the public may read it: personal data masked. None is ""."""
    if text is None:
        return ""
    return mask_text(str(text))


@dataclass(frozen=True)
class PublicPlace:
    """A place as the public may see it; `exact` says whether it was generalised."""

    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    exact: bool = False

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def street_level(address: str) -> str:
    """The address without building number and what follows: `서울특별시 서대문구 연희로 123-4`
    → `서울특별시 서대문구 연희로`, `연희동 123-4` → `연희동`, `연희로11길 5, 2층` → `연희로11길`."""
    kept: list[str] = []
    for token in address.split():
        if _DETAIL_START.match(token):
            break
        glued = _GLUED_NUMBER.match(token)
        if glued:
            kept.append(glued.group("name"))
            break
        # A comma or bracket glued to a name ends the place: "연희로," "연희동(…)".
        head = re.split(r"[(\[（［,，]", token, maxsplit=1)
        if head[0] != token:
            if head[0]:
                kept.append(head[0])
            break
        kept.append(token)
    return " ".join(kept)


def _coordinate(value: Any, *, exact: bool) -> Decimal | None:
    """A finite coordinate, rounded to PLACE_DECIMALS unless `exact`; None otherwise."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return number if exact else number.quantize(_QUANTUM, rounding=ROUND_HALF_UP)


def public_place(
    address: Any, latitude: Any = None, longitude: Any = None, *, exact: bool = False
) -> PublicPlace:
    """The place as every public surface shows it (see the module docstring). A half point
    (one coordinate only) is no point."""
    text = public_text(address).strip()
    lat = _coordinate(latitude, exact=exact)
    lon = _coordinate(longitude, exact=exact)
    if lat is None or lon is None:
        lat = lon = None
    return PublicPlace(
        address=text if exact else street_level(text),
        latitude=lat,
        longitude=lon,
        exact=bool(exact),
    )


__all__ = ["PLACE_DECIMALS", "PublicPlace", "public_place", "public_text", "street_level"]
