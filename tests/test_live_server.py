"""The example project behind a threaded server answers simultaneous requests.

The demo page sends two requests at once (``api/me/`` and ``2fa/``), as any
real client may. Each server thread must then have its own database
connection: Django's in-memory SQLite test database shares one between all of
them, which SQLite now and then refuses ("bad parameter or other API misuse",
seen in the browser test), so tests/settings.py puts the SQLite test database
in a file. The first test pins that choice, since the race is too rare to
catch on demand; the second sends simultaneous requests and expects them all
to succeed.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.api_helpers import ME, STATUS

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
CLIENTS = 8
ROUNDS = 5

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads the data


def test_the_test_database_gives_each_thread_its_own_connection():
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db()


def test_simultaneous_requests_all_succeed(live_server, enabled):
    access = enabled.tokens["access"]
    barrier = threading.Barrier(CLIENTS)

    def get(path: str) -> tuple[int, dict[str, object]]:
        url = live_server.url + path  # plain HTTP to the loopback interface
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {access}"})  # noqa: S310
        barrier.wait()
        with NO_PROXY.open(request, timeout=30) as response:
            return response.status, json.load(response)

    paths = [ME if index % 2 else STATUS for index in range(CLIENTS)]
    for _ in range(ROUNDS):
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(get, paths))
        for path, (status, body) in zip(paths, answers, strict=True):
            assert status == 200
            if path == ME:
                assert body["username"] == "alice"
            else:
                assert body == {
                    "enabled": True,
                    "recovery_codes_remaining": 10,
                    "methods": ["totp"],
                }
