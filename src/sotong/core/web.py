"""Small web helpers every app's views share: a service's ValidationError onto a form, and the
decorator that guards a staff page. Generic on purpose (core imports no app): each app passes its
own permission check and its own message."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse


def add_service_errors(form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where the field exists, as a
    non-field error otherwise (a service may name a field the form does not show)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def guarded_page(allowed: Callable[[object], bool], message) -> Callable[[Callable], Callable]:
    """A view decorator: visitors go to the login page; logged-in people for whom
    `allowed(user)` is false get 403 with `message`."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied(str(message))  # a lazy message, in the request's language
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
