"""The package's exception handler: DRF's, plus a ``code`` in every detail body."""

from __future__ import annotations

from rest_framework.exceptions import NotAuthenticated, ValidationError

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
