"""``2fa/generate.png`` and ``2fa/generate.svg``: generate with one media type each,
for clients that read one per operation (CONTRACT §14)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.api_helpers import assert_error, user_state
from tests.conftest import bearer

PNG, SVG = "/api/auth/2fa/generate.png", "/api/auth/2fa/generate.svg"


@pytest.mark.parametrize(
    ("path", "media_type", "start"),
    [(PNG, "image/png", b"\x89PNG\r\n\x1a\n"), (SVG, "image/svg+xml", b"<?xml")],
)
def test_each_answers_with_its_image_and_stores_a_secret(path, media_type, start, api, plain):
    response = api.post(path, **bearer(plain.tokens["access"]))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].split(";")[0] == media_type
    assert response.content.startswith(start)
    assert response["Cache-Control"] == "no-store"
    user = get_user_model().objects.get(pk=plain.user.pk)
    assert user.two_factor_secret  # stored until turn-on, as generate does
    assert not user.two_factor_enabled


@pytest.mark.parametrize("path", [PNG, SVG])
def test_json_is_not_offered_there(path, api, plain):
    """Another media type (even `?format=json`) is a 406, as JSON, and nothing is stored."""
    before = user_state(plain.user)
    for extra in ({"HTTP_ACCEPT": "application/json"}, {"QUERY_STRING": "format=json"}):
        response = api.post(path, **bearer(plain.tokens["access"]), **extra)
        assert_error(response, 406, "not_acceptable")
    assert user_state(plain.user) == before


@pytest.mark.parametrize("path", [PNG, SVG])
def test_errors_are_json(path, api, enabled):
    assert_error(api.post(path), 401, "not_authenticated")
    assert_error(
        api.post(path, **bearer(enabled.tokens["access"])), 409, "two_factor_already_enabled"
    )


def test_an_empty_format_is_a_406(api, plain):
    """`?format=` names no format: not one generate offers (the schema's enum)."""
    response = api.post("/api/auth/2fa/generate/?format=", **bearer(plain.tokens["access"]))
    assert_error(response, 406, "not_acceptable")
