"""The admin's login with a security key, in a real browser (Chromium's virtual authenticator).

The key is registered the way a client registers one, through the API and
``navigator.credentials.create`` on the site's origin, with the same virtual
authenticator that then answers the admin's code page: nothing is stored
behind the browser's back. ``live_server.url`` is ``http://localhost:<port>``,
which the example accepts (RP ID ``localhost``, origins ``http://localhost:*``).
Screenshots go to ``artifacts/screenshots/admin-security-key*.png``.
"""

from __future__ import annotations

from typing import Any

import pytest

from django_twofactor.models import WebAuthnChallenge, WebAuthnCredential
from tests.browser import (  # noqa: F401  # fixtures
    VirtualAuthenticator,
    chromium,
    expect,
    screenshot,
    tab,
)
from tests.conftest import PASSWORD, make_user
from tests.test_browser_admin import log_in_with_password

pytest.importorskip("webauthn", reason="the webauthn extra is not installed")

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads the data

API = "/api/auth/"
KEY_ONLY_INTRO = "Use your security key, or enter one of your recovery codes."
BUTTON = "Use your security key"
NO_ANSWER = "The security key did not answer. Try again, or enter a code."

# Log in with the password (2FA is off: full tokens), then run both steps of
# the registration ceremony: what a client of the API does to add a key.
REGISTER_A_KEY = """async ([api, username, password]) => {
  const post = async (path, body, access) => {
    const headers = {"Content-Type": "application/json"};
    if (access) headers.Authorization = `Bearer ${access}`;
    const response = await fetch(api + path, {
      method: "POST", headers, body: JSON.stringify(body), credentials: "omit",
    });
    return [response.status, await response.json()];
  };
  const [, tokens] = await post("login/", {username, password});
  const [, options] = await post("2fa/webauthn/register/options/", {}, tokens.access);
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
  });
  const [status, key] = await post(
    "2fa/webauthn/register/", {credential: credential.toJSON(), name: "Chromium key"},
    tokens.access,
  );
  return {status, key};
}"""


def admin_with_a_key(page: Any, base: str) -> VirtualAuthenticator:
    """alice, a superuser whose first and only method is a key in the page's authenticator."""
    user = make_user()
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    key = VirtualAuthenticator(page)
    page.goto(f"{base}/admin/login/")  # any page of the origin the key is for
    result = page.evaluate(REGISTER_A_KEY, [API, "alice", PASSWORD])
    assert result["status"] == 201, result
    assert result["key"]["name"] == "Chromium key"
    user.refresh_from_db()
    assert user.two_factor_enabled
    return key


def test_security_key_opens_the_admin(tab, live_server):
    admin_with_a_key(tab, live_server.url)
    log_in_with_password(tab, live_server.url)

    expect(tab.get_by_text(KEY_ONLY_INTRO)).to_be_visible()
    button = tab.get_by_role("button", name=BUTTON)
    expect(button).to_be_visible()
    expect(tab.get_by_label("Code")).to_be_visible()  # recovery codes
    expect(tab.get_by_role("heading", name="Site administration")).to_have_count(0)
    screenshot(tab, "admin-security-key.png")

    button.click()
    expect(tab).to_have_url(f"{live_server.url}/admin/")
    expect(tab.get_by_role("heading", name="Site administration")).to_be_visible()
    expect(tab.get_by_role("link", name="Users")).to_be_visible()
    screenshot(tab, "admin-index-after-security-key.png")
    key = WebAuthnCredential.objects.get()
    assert key.last_used_at is not None
    assert not WebAuthnChallenge.objects.exists()  # the page's challenge is spent


def test_no_answer_from_the_key_is_said_on_the_page(tab, live_server):
    """No key answers (here: it forgot its credentials); the page says so, nothing is posted."""
    key = admin_with_a_key(tab, live_server.url)
    log_in_with_password(tab, live_server.url)
    key.session.send("WebAuthn.clearCredentials", {"authenticatorId": key.id})
    tab.get_by_role("button", name=BUTTON).click()
    expect(tab.get_by_text(NO_ANSWER)).to_be_visible()
    expect(tab.get_by_role("button", name=BUTTON)).to_be_enabled()
    expect(tab.get_by_role("heading", name="Site administration")).to_have_count(0)
    screenshot(tab, "admin-security-key-no-answer.png")
    assert WebAuthnChallenge.objects.count() == 1  # unspent: the same page may try again
