"""``django_twofactor.methods``: every method has the same small shape, and the
flows find each by the kind a submitted code was classified as."""

from __future__ import annotations

import pytest

from django_twofactor import methods
from django_twofactor.codes import RECOVERY, TOTP, classify
from django_twofactor.tokens import MULTI_FACTOR, ONE_TIME_PASSWORD


@pytest.mark.parametrize(
    ("kind", "amr"), [(TOTP, (MULTI_FACTOR, ONE_TIME_PASSWORD)), (RECOVERY, (MULTI_FACTOR,))]
)
def test_each_method_has_the_shape(kind, amr):
    method = methods.for_kind(kind)
    shape = (method.KIND, method.FIELD, method.AMR)
    assert shape == (kind, "code", amr)
    assert callable(method.verify)
    assert method.begin(None, None) is None  # a code needs nothing sent first


def test_every_classified_code_has_a_method():
    for value in ("123456", "abcde-fghij"):
        code = classify(value, 6, allow_recovery=True)
        method = methods.for_kind(code.kind)
        kind = method.KIND
        assert kind == code.kind


def test_an_unknown_kind_is_no_method():
    with pytest.raises(KeyError):
        methods.for_kind("sms")
