"""What the real-browser tests share: Debian's Chromium driven by Playwright.

Importing this module skips the importing test module when Chromium or
Playwright is missing. The live server runs in a thread of this process, so
the ``clock`` fixture (time-machine) sets the server's time too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Chromium not found at /usr/bin/chromium: apt-get install chromium",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

expect = sync_api.expect
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
# Without the background-networking flags Chromium keeps calling out, and this
# machine's closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> Any:
    """One headless Chromium for the module, closed after it (no process left behind).

    Playwright's sync API keeps an event loop running in this thread, where
    Django refuses ORM calls unless told it is safe: it is, the tests are
    synchronous. The variable is set only while the module runs.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def tab(chromium, live_server) -> Any:
    """A fresh page that loads nothing from elsewhere, finds every file, raises no error.

    The 4xx answers a page shows on purpose (a wrong code, a lock) are
    expected, so only script errors, missing files and server errors count.
    """
    context = chromium.new_context(viewport={"width": 900, "height": 900})
    context.set_default_timeout(5_000)
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))

    def check(response: Any) -> None:
        if response.status == 404 or response.status >= 500:
            problems.append(f"{response.status} {response.url}")

    page.on("response", check)
    yield page
    context.close()
    assert problems == []
    outside = [url for url in requests if not url.startswith((live_server.url, "data:"))]
    assert outside == [], "the page must work offline"


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


class VirtualAuthenticator:
    """Chromium's virtual authenticator for one tab, through the DevTools WebAuthn domain.

    A USB CTAP2 key with user verification that answers at once, as a person
    touching it would: the page's own ``navigator.credentials`` calls reach it
    unchanged, so the test drives the same code a real key does.
    """

    OPTIONS = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": False,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }

    def __init__(self, page: Any) -> None:
        self.session = page.context.new_cdp_session(page)
        self.session.send("WebAuthn.enable")
        self.id = self._add()

    def _add(self) -> str:
        added = self.session.send("WebAuthn.addVirtualAuthenticator", {"options": self.OPTIONS})
        return str(added["authenticatorId"])

    def replace(self) -> None:
        """Unplug this key and plug in a fresh one that holds no credential."""
        self.session.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.id})
        self.id = self._add()

    def credentials(self) -> list[dict[str, Any]]:
        """What the key holds, private keys and signature counters included."""
        found = self.session.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        return list(found["credentials"])

    def put(self, credential: dict[str, Any]) -> None:
        """Store ``credential`` (as ``credentials`` returns it), replacing one of the same ID."""
        ids = {c["credentialId"] for c in self.credentials()}
        if credential["credentialId"] in ids:
            self.session.send(
                "WebAuthn.removeCredential",
                {"authenticatorId": self.id, "credentialId": credential["credentialId"]},
            )
        self.session.send(
            "WebAuthn.addCredential", {"authenticatorId": self.id, "credential": credential}
        )


@pytest.fixture
def virtual_authenticator(tab) -> Any:
    """A virtual security key plugged into ``tab``'s browser (gone with its context)."""
    return VirtualAuthenticator(tab)
