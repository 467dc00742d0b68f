"""Translations: error texts follow Accept-Language, machine codes never do.

The catalogs under ``django_twofactor/locale`` are checked here too: complete,
nothing fuzzy, placeholders kept, and the shipped ``.mo`` files compiled from
the ``.po`` files as they stand. The checks use only the standard library, so
they run wherever the suite runs (gettext tools are needed only to rebuild).
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

import django_twofactor
from django_twofactor.tokens import PASSWORD, full_tokens
from tests.api_helpers import AUTHENTICATE, field_error
from tests.conftest import PASSWORD as USER_PASSWORD
from tests.conftest import bearer, wrong_code

LOCALE_DIR = Path(django_twofactor.__file__).resolve().parent / "locale"
NPLURALS = {"de": 2, "fr": 2, "pl": 3}
LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"


# HTTP: the language comes from the Accept-Language header ------------------


@pytest.fixture
def localized(settings: Any) -> Any:
    """A fresh client behind LocaleMiddleware (the example project has none).

    The client is made after the override because a client keeps the
    middleware chain it loaded on its first request.
    """
    middleware = list(settings.MIDDLEWARE)
    position = middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1
    middleware.insert(position, LOCALE_MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    settings.LANGUAGES = [("en", "English"), ("de", "German"), ("fr", "French"), ("pl", "Polish")]
    with translation.override(translation.get_language()):  # no language leaks out
        yield APIClient()


def pending_for(client: APIClient, account: Any) -> str:
    response = client.post(
        "/api/auth/login/",
        {"username": account.user.username, "password": USER_PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["pending_token"]


def authenticate(client: APIClient, pending: str, code: str, language: str) -> Any:
    return client.post(
        AUTHENTICATE,
        {"code": code},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
        **bearer(pending),
    )


def lock_out(client: APIClient, account: Any, language: str) -> str:
    """Five wrong codes in a row lock the user; returns their pending token."""
    pending = pending_for(client, account)
    wrong = wrong_code(account.secret, time.time())
    for _ in range(5):
        assert authenticate(client, pending, wrong, language).status_code == 400
    return pending


def test_wrong_code_is_explained_in_german(enabled, localized):
    """The 400 on field ``code`` is German; the field name is not translated."""
    pending = pending_for(localized, enabled)
    response = authenticate(localized, pending, wrong_code(enabled.secret, time.time()), "de")
    assert response.status_code == 400
    assert response.json() == field_error(
        "code", "invalid_code", "Der Code ist falsch oder wurde bereits verwendet."
    )
    assert response["Content-Language"] == "de"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "de",
            "Die Antwort des Sicherheitsschlüssels ist ungültig, abgelaufen oder wurde "
            "bereits verwendet.",
        ),
        (
            "fr",
            "La réponse de la clé de sécurité n'est pas valide, a expiré ou a déjà été utilisée.",
        ),
        (
            "pl",
            "Odpowiedź klucza bezpieczeństwa jest nieprawidłowa, wygasła lub została już użyta.",
        ),
    ],
)
def test_a_refused_security_key_is_explained_in_the_users_language(
    keyed, localized, language, text
):
    pytest.importorskip("webauthn", reason="the webauthn extra is not installed")
    from tests.webauthn_helpers import AUTHENTICATE_OPTIONS

    pending = pending_for(localized, keyed)
    options = localized.post(AUTHENTICATE_OPTIONS, {}, format="json", **bearer(pending)).json()
    answer = keyed.authenticator.authenticate(options, tamper_signature=True)
    response = localized.post(
        AUTHENTICATE,
        {"credential": answer},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
        **bearer(pending),
    )
    assert response.status_code == 400
    assert response.json() == field_error("credential", "invalid_credential", text)
    assert [e.code for e in response.data["errors"]["credential"]] == ["invalid_credential"]


def test_malformed_code_message_keeps_its_number(enabled, localized):
    """``%(digits)d`` survives translation and is filled with the setting."""
    pending = pending_for(localized, enabled)
    response = authenticate(localized, pending, "abc", "de")
    assert response.status_code == 400
    assert response.json() == field_error(
        "code",
        "malformed_code",
        "Geben Sie den 6-stelligen Code aus Ihrer App oder einen Wiederherstellungscode ein.",
    )


def test_two_factor_required_is_german_with_english_code(enabled, localized):
    """A password-only token of a 2FA user: German detail, same machine code."""
    access = full_tokens(enabled.user, [PASSWORD])["access"]
    for path in ("/api/me/", "/api/auth/2fa/"):
        response = localized.get(path, HTTP_ACCEPT_LANGUAGE="de", **bearer(access))
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Zwei-Faktor-Authentifizierung erforderlich: "
            "Schließen Sie zuerst den zweiten Schritt ab.",
            "code": "two_factor_required",
        }


def test_conflict_is_german_with_english_code(enabled, localized):
    """Clients branch on ``code``; only the human text follows the language."""
    response = localized.post(
        "/api/auth/2fa/generate/", HTTP_ACCEPT_LANGUAGE="de", **bearer(enabled.tokens["access"])
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Die Zwei-Faktor-Authentifizierung ist bereits aktiviert.",
        "code": "two_factor_already_enabled",
    }


def test_refresh_of_a_deleted_user_is_german(plain, localized):
    plain.user.delete()
    response = localized.post(
        "/api/auth/refresh/",
        {"refresh": plain.tokens["refresh"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Kein aktives Konto für dieses Token gefunden.",
        "code": "no_active_account",
    }


def test_lockout_counts_seconds_in_german(enabled, localized, clock):
    """The 429 detail names the wait with the right plural form."""
    pending = lock_out(localized, enabled, "de")
    locked = authenticate(localized, pending, "123456", "de")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "60"
    assert locked.json() == {
        "detail": "Zu viele falsche Codes. Versuchen Sie es in 60 Sekunden erneut.",
        "code": "two_factor_locked",
    }
    clock.shift(59)
    last_second = authenticate(localized, pending, "123456", "de")
    assert last_second.json()["detail"] == (
        "Zu viele falsche Codes. Versuchen Sie es in 1 Sekunde erneut."
    )


def test_french(plain, localized):
    """Turn-off with 2FA off: the 409 in French."""
    response = localized.post(
        "/api/auth/2fa/turn-off/",
        {"code": "123456"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5",
        **bearer(plain.tokens["access"]),
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "L’authentification à deux facteurs n’est pas activée.",
        "code": "two_factor_not_enabled",
    }


def test_polish(enabled, localized, clock):
    """Polish has three plural forms: 60 sekund, 22 sekundy, 1 sekundę."""
    pending = lock_out(localized, enabled, "pl")
    details = []
    for shift in (0, 38, 21):  # waits of 60, 22 and 1 second(s)
        clock.shift(shift)
        response = authenticate(localized, pending, "123456", "pl")
        assert response.status_code == 429
        details.append(response.json()["detail"])
    assert details == [
        "Zbyt wiele błędnych kodów. Spróbuj ponownie za 60 sekund.",
        "Zbyt wiele błędnych kodów. Spróbuj ponownie za 22 sekundy.",
        "Zbyt wiele błędnych kodów. Spróbuj ponownie za 1 sekundę.",
    ]


# The catalogs -----------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The live entries of a ``.po`` file (obsolete ``#~`` ones are skipped)."""
    entries: list[Entry] = []
    entry, target = Entry(), ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line or line.startswith("#~"):
            if target:
                entries.append(entry)
            entry, target = Entry(), ""
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if target == "msgid":
                entry.msgid += text
            elif target == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + text
            else:
                entry.msgstr[int(target)] += text
        else:
            keyword, quoted = line.split(" ", 1)
            text = ast.literal_eval(quoted)
            match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            if keyword == "msgid":
                target, entry.msgid = "msgid", text
            elif keyword == "msgid_plural":
                target, entry.msgid_plural = "msgid_plural", text
            elif match:
                target = match.group(1) or "0"
                entry.msgstr[int(target)] = text
            else:
                raise AssertionError(f"{path}: unexpected line {line!r}")
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sdif]|\{\w*\}", text))


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", sorted(NPLURALS))
def test_catalog_is_complete(language):
    """Every message translated, none fuzzy, placeholders and plurals right."""
    header, *entries = read_po(po_path(language))
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert f"Language: {language}\n" in header.msgstr[0]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header.msgstr[0]
    assert f"Plural-Forms: nplurals={NPLURALS[language]};" in header.msgstr[0]
    assert len(entries) > 30  # the parser read the file, not nothing
    for entry in entries:
        assert "fuzzy" not in entry.flags, entry.msgid
        expected = 1 if entry.msgid_plural is None else NPLURALS[language]
        assert sorted(entry.msgstr) == list(range(expected)), entry.msgid
        for msgstr in entry.msgstr.values():
            assert msgstr.strip(), f"untranslated: {entry.msgid!r}"
            assert placeholders(msgstr) == placeholders(entry.msgid), entry.msgid


@pytest.mark.parametrize("language", sorted(NPLURALS))
def test_mo_file_is_compiled_from_po(language):
    """The shipped ``.mo`` holds exactly what the ``.po`` says (no stale build)."""
    header, *entries = read_po(po_path(language))
    # msgfmt leaves POT-Creation-Date out of the compiled header.
    expected: dict[Any, str] = {"": re.sub(r"POT-Creation-Date: .*\n", "", header.msgstr[0])}
    for entry in entries:
        if entry.msgid_plural is None:
            expected[entry.msgid] = entry.msgstr[0]
        else:
            expected.update({(entry.msgid, n): text for n, text in entry.msgstr.items()})
    with open(po_path(language).with_suffix(".mo"), "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert compiled._catalog == expected  # type: ignore[attr-defined]


def test_polish_plural_formula_covers_all_numbers():
    """1 → form 0; 2-4, 22-24 → form 1; 0, 5-21, 25+ → form 2 (not 12-14 as 2-4)."""
    forms = {
        1: "sekundę",
        2: "sekundy",
        4: "sekundy",
        5: "sekund",
        12: "sekund",
        14: "sekund",
        21: "sekund",
        22: "sekundy",
        0: "sekund",
        112: "sekund",
        104: "sekundy",
    }
    with translation.override("pl"):
        for n, word in forms.items():
            text = translation.ngettext(
                "Too many wrong codes. Try again in %(wait)d second.",
                "Too many wrong codes. Try again in %(wait)d seconds.",
                n,
            )
            assert text.endswith(f"%(wait)d {word}."), (n, text)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_catalogs_hold_every_source_string(tmp_path, monkeypatch):
    """``makemessages`` finds nothing new: no string was added untranslated."""
    copy = tmp_path / "django_twofactor"
    shutil.copytree(LOCALE_DIR.parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=sorted(NPLURALS), no_location=True, verbosity=0)
    for language in NPLURALS:
        fresh = {e.msgid for e in read_po(copy / "locale" / language / "LC_MESSAGES" / "django.po")}
        shipped = {e.msgid for e in read_po(po_path(language))}
        assert fresh == shipped, language
