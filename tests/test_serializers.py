"""``django_twofactor.serializers``: strings only, and codes classified before any state is read."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.exceptions import ValidationError

from django_twofactor.codes import RECOVERY, TOTP, SubmittedCode
from django_twofactor.serializers import (
    CodeSerializer,
    LoginSerializer,
    RefreshSerializer,
    StrictCharField,
)

NOT_STRINGS = [123456, 12345.6, True, False, ["123456"], {"code": "123456"}, b"123456"]


@pytest.mark.parametrize("value", NOT_STRINGS)
def test_strict_char_field_refuses_non_strings(value):
    """A number has already lost its leading zeros; coercing it would fail one user in ten."""
    with pytest.raises(ValidationError) as raised:
        StrictCharField().run_validation(value)
    assert raised.value.detail[0].code == "not_a_string"


def test_strict_char_field_accepts_strings():
    assert StrictCharField().run_validation(" 012345 ") == "012345"
    assert StrictCharField(trim_whitespace=False).run_validation(" 0 ") == " 0 "


def classify(value, *, allow_recovery: bool):
    serializer = CodeSerializer(data={"code": value}, allow_recovery=allow_recovery)
    if serializer.is_valid():
        return serializer.validated_data["code"]
    return serializer.errors["code"][0].code


@pytest.mark.parametrize("allow_recovery", [False, True])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("123456", SubmittedCode(TOTP, "123456")),
        ("012345", SubmittedCode(TOTP, "012345")),
        ("123 456", SubmittedCode(TOTP, "123456")),
        (" 123456 ", SubmittedCode(TOTP, "123456")),
        ("12345", "malformed_code"),
        ("1234567", "malformed_code"),
        ("１２３４５６", "malformed_code"),
        ("١٢٣٤٥٦", "malformed_code"),
        ("123\t456", "malformed_code"),
        ("12345a", "malformed_code"),
        ("", "blank"),
        (123456, "not_a_string"),
        (None, "null"),
        ("1" * 65, "max_length"),
    ],
)
def test_totp_classification(value, expected, allow_recovery):
    assert classify(value, allow_recovery=allow_recovery) == expected


@pytest.mark.parametrize(
    ("value", "with_recovery"),
    [
        ("abcde-fghij", SubmittedCode(RECOVERY, "abcdefghij")),
        ("ABCDE FGHIJ", SubmittedCode(RECOVERY, "abcdefghij")),
        ("abcdefghij", SubmittedCode(RECOVERY, "abcdefghij")),
        ("23456-23456", SubmittedCode(RECOVERY, "2345623456")),  # digits only, yet not a TOTP code
        ("abcde-fghi\u212a", "malformed_code"),
        ("abcde-fghi1", "malformed_code"),
    ],
)
def test_recovery_classification(value, with_recovery):
    assert classify(value, allow_recovery=True) == with_recovery
    assert classify(value, allow_recovery=False) == "malformed_code"


def test_missing_code_is_required():
    serializer = CodeSerializer(data={}, allow_recovery=True)
    assert not serializer.is_valid()
    assert serializer.errors["code"][0].code == "required"


def test_error_message_names_what_is_accepted():
    serializer = CodeSerializer(data={"code": "x"}, allow_recovery=False)
    serializer.is_valid()
    assert "6-digit" in str(serializer.errors["code"][0])
    assert "recovery" not in str(serializer.errors["code"][0])
    serializer = CodeSerializer(data={"code": "x"}, allow_recovery=True)
    serializer.is_valid()
    assert "recovery code" in str(serializer.errors["code"][0])


@override_settings(TWO_FACTOR={"DIGITS": 8})
@pytest.mark.parametrize("allow_recovery", [False, True])
def test_eight_digits(allow_recovery):
    assert classify("12345678", allow_recovery=allow_recovery) == SubmittedCode(TOTP, "12345678")
    assert classify("1234 5678", allow_recovery=allow_recovery) == SubmittedCode(TOTP, "12345678")
    assert classify("123456", allow_recovery=allow_recovery) == "malformed_code"
    serializer = CodeSerializer(data={"code": "123456"}, allow_recovery=allow_recovery)
    serializer.is_valid()
    assert "8-digit" in str(serializer.errors["code"][0])


def test_login_serializer_uses_username_field_and_strings(db):
    ok = LoginSerializer(data={"username": "alice", "password": " spaced "})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data == {"username": "alice", "password": " spaced "}
    bad = LoginSerializer(data={"username": 42, "password": ["x"]})
    assert not bad.is_valid()
    assert bad.errors["username"][0].code == "not_a_string"
    assert bad.errors["password"][0].code == "not_a_string"


def test_refresh_serializer_refuses_non_strings():
    serializer = RefreshSerializer(data={"refresh": 1})
    assert not serializer.is_valid()
    assert serializer.errors["refresh"][0].code == "not_a_string"
