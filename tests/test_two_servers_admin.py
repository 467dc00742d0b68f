"""The admin's code step across server processes that share one database server.

The session lives in the database, so the password step may be answered by
one server and the code step by another; the replay state lives in the user
row, so a code spent through one server is refused by the other, at the
admin and at the API alike. Two gunicorn processes of the example project
serve the test database (see ``tests/test_two_servers.py``); a small browser
below keeps the cookies and the CSRF token, over real HTTP.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from django_twofactor.admin.pending import SESSION_KEY
from tests.api_helpers import AUTHENTICATE
from tests.conftest import PASSWORD, code_at
from tests.servers import Server
from tests.test_two_servers import (  # noqa: F401  # the marks and the servers fixture
    log_in,
    pytestmark,
    server_user,
    servers,
    wait_for_fresh_step,
)

LOGIN = "/admin/login/"
WRONG = "The code is wrong or was already used."
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 302 is an answer to look at, not to follow


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


@dataclass
class Page:
    status: int
    headers: Message
    text: str


@dataclass
class Browser:
    """Cookies kept across servers, as one browser behind a load balancer would."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, server: Server, path: str, form: dict[str, str] | None = None) -> Page:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if form is not None:
            token = self.cookies.get("csrftoken", "")
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **form}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        # Plain HTTP to the loopback interface only.
        url = f"http://127.0.0.1:{server.port}{path}"
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            with _opener.open(request, timeout=30) as response:
                page = Page(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                page = Page(error.code, error.headers, error.read().decode())
        for header in page.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return page

    def password_step(self, server: Server, username: str) -> Page:
        form = self.request(server, f"{LOGIN}?next=/admin/")
        assert form.status == 200
        assert CSRF_FIELD.search(form.text)
        return self.request(
            server, LOGIN, {"username": username, "password": PASSWORD, "next": "/admin/"}
        )

    def code_step(self, server: Server, code: str) -> Page:
        return self.request(server, LOGIN, {"code": code, "next": "/admin/"})


def admin_user(username: str) -> tuple[Any, str]:
    user, secret = server_user(username)
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return user, secret


def test_password_step_on_one_server_and_code_step_on_the_other(servers):
    a, b = servers
    _, secret = admin_user("alice")
    browser = Browser()
    code_page = browser.password_step(a, "alice")
    assert code_page.status == 200
    assert 'name="code"' in code_page.text
    (session,) = Session.objects.all()  # the password step, in the shared database
    assert SESSION_KEY in session.get_decoded()
    assert browser.cookies["sessionid"] == session.session_key
    assert browser.request(b, "/admin/").status == 302  # not logged in on either server

    wait_for_fresh_step()
    done = browser.code_step(b, code_at(secret, time.time()))
    assert done.status == 302, done.text
    assert done.headers["Location"] == "/admin/"
    for server in (a, b):
        index = browser.request(server, "/admin/")
        assert index.status == 200
        assert "Site administration" in index.text


def test_code_spent_through_one_server_is_refused_by_the_other(servers):
    a, b = servers
    user, secret = admin_user("bob")
    first, second = Browser(), Browser()
    assert first.password_step(a, "bob").status == 200
    assert second.password_step(b, "bob").status == 200
    pending = log_in(b, "bob")

    wait_for_fresh_step()
    code = code_at(secret, time.time())
    assert first.code_step(a, code).status == 302

    refused = second.code_step(b, code)
    assert refused.status == 200
    assert WRONG in refused.text
    assert second.request(b, "/admin/").status == 302
    api = b.post(AUTHENTICATE, {"code": code}, token=pending)
    assert api.status == 400, api.data
    user.refresh_from_db()
    assert user.two_factor_failed_attempts == 2  # one counter for the admin and the API
