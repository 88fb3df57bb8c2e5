"""The shape of every error answer of the JSON APIs (`sotong.api` says how errors become it).
Here, below the apps, so that an app's router declares its error responses without importing
the project's API module, which imports the routers."""

from __future__ import annotations

from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorOut(Schema):
    """The shape of every error answer."""

    error: ErrorDetail
