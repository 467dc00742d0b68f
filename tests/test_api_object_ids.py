"""A path's id that is no id (not a number, zero, past 2**63, empty) is the API's
JSON 404, never Django's HTML page or a database error (CONTRACT §14: every
answer is one the schema documents)."""

from __future__ import annotations

import pytest

from django_twofactor.methods import webauthn
from tests.api_helpers import assert_error
from tests.conftest import bearer

NOT_IDS = ["abc", "0", "-1", "1.5", "٣", str(2**63), "9" * 40, "%20", "", "1e3"]


@pytest.mark.parametrize("segment", NOT_IDS)
def test_a_device_id_that_is_no_id(segment, plain, api):
    response = api.delete(f"/api/auth/2fa/devices/{segment}/", **bearer(plain.tokens["access"]))
    assert_error(response, 404, "not_found")


@pytest.mark.skipif(not webauthn.available(), reason="the webauthn extra is not installed")
@pytest.mark.parametrize("segment", NOT_IDS)
def test_a_key_id_that_is_no_id(segment, plain, api):
    url = f"/api/auth/2fa/webauthn/{segment}/"
    token = bearer(plain.tokens["access"])
    assert_error(api.patch(url, {"name": "x"}, format="json", **token), 404, "not_found")
    assert_error(api.delete(url, **token), 404, "not_found")


def test_an_unknown_id_in_range(plain, api):
    response = api.delete(f"/api/auth/2fa/devices/{2**63 - 1}/", **bearer(plain.tokens["access"]))
    assert_error(response, 404, "not_found")
