"""The package's exception handler and its one error shape: ``{"detail", "code"}``,
a validation error's messages per field under ``errors``."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import (
    ErrorDetail,
    MethodNotAllowed,
    NotAuthenticated,
    ValidationError,
)
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from django_twofactor.exceptions import exception_handler, one_error_shape


def test_detail_bodies_get_their_code():
    response = exception_handler(NotAuthenticated(), {})
    assert response.status_code == 401
    assert response.data == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_field_errors_take_the_package_shape():
    """A project's own views, with the package's handler, answer as the package's do."""
    response = exception_handler(ValidationError({"code": ["wrong"]}, "invalid_code"), {})
    assert response.data == {
        "detail": "wrong",
        "code": "invalid_code",
        "errors": {"code": ["wrong"]},
    }


def test_other_exceptions_are_left_to_django():
    assert exception_handler(ValueError("boom"), {}) is None


def test_the_shape_is_given_once():
    """The package's views wrap the project's handler: when that is this one too, the
    body is not wrapped again."""
    exc = ValidationError({"code": ["wrong"]}, "invalid_code")
    once = exception_handler(exc, {})
    assert one_error_shape(exc, once).data == {
        "detail": "wrong",
        "code": "invalid_code",
        "errors": {"code": ["wrong"]},
    }


# one_error_shape: the package views' error body ------------------------------------


def one_shape(exc: Exception) -> Any:
    response = one_error_shape(exc, drf_exception_handler(exc, {}))
    assert response is not None
    return response.data


def test_a_field_error_is_one_shape_with_the_messages_per_field():
    wrong = ErrorDetail("The code is wrong.", code="invalid_code")
    data = one_shape(ValidationError({"code": [wrong, "Another."], "name": ["Too long."]}))
    assert data == {
        "detail": "The code is wrong.",
        "code": "invalid_code",
        "errors": {"code": ["The code is wrong.", "Another."], "name": ["Too long."]},
    }
    assert isinstance(data["code"], str)
    assert [e.code for e in data["errors"]["code"]] == ["invalid_code", "invalid"]


def test_nested_errors_give_the_first_message_however_deep():
    """A nested serializer's map, a list field's per-item messages."""
    nested = {
        "credential": {"response": {"signature": [ErrorDetail("Bad base64.", code="b64")]}},
        "code": ["Wrong."],
    }
    data = one_shape(ValidationError(nested))
    assert data == {"detail": "Bad base64.", "code": "b64", "errors": nested}


def test_a_list_shaped_error_goes_under_non_field_errors():
    """``ValidationError(["…"])`` and ``ValidationError("…")``, as a serializer's
    ``validate()`` raises them: no field to name, so DRF's non-field key."""
    for exc in (
        ValidationError([ErrorDetail("Send a code or a key.", code="one_of"), "Not both."]),
        ValidationError("Send a code or a key.", code="one_of"),
    ):
        data = one_shape(exc)
        assert data["detail"] == "Send a code or a key."
        assert data["code"] == "one_of"
        assert list(data["errors"]) == [api_settings.NON_FIELD_ERRORS_KEY]
        assert data["errors"][api_settings.NON_FIELD_ERRORS_KEY][0] == "Send a code or a key."


def test_an_error_without_a_message_is_drfs_default():
    for exc in (ValidationError({}), ValidationError([]), ValidationError({"code": []})):
        data = one_shape(exc)
        assert data["detail"] == "Invalid input."
        assert data["code"] == "invalid"
        assert "errors" in data


def test_other_errors_keep_detail_and_gain_their_code():
    assert one_shape(NotAuthenticated()) == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert one_shape(MethodNotAllowed("OPTIONS")) == {
        "detail": 'Method "OPTIONS" not allowed.',
        "code": "method_not_allowed",
    }


def test_what_drf_does_not_handle_stays_unhandled():
    assert one_error_shape(ValueError("boom"), None) is None
    assert one_error_shape(ValidationError("x"), None) is None
