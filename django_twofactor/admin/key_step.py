"""The admin's code page with a security key: the challenge out, the answer in.

The page carries the request options (``method.begin``, as the API's
``2fa/webauthn/authenticate/options/`` gives them) and a small static script
puts the authenticator's answer in the form's ``credential`` field. The answer
is then a ``SubmittedCode`` like a typed code, and ``services.verify`` checks
it: one failure counter, one lock, one challenge spent once, with the API.

Without py_webauthn (the ``webauthn`` extra) no options are made and a posted
answer is a form error: the page is the code page it always was.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..codes import WEBAUTHN, SubmittedCode
from ..exceptions import NoSecurityKey, NotEnabled
from ..methods.webauthn import available as webauthn_available
from ..methods.webauthn import method
from ..methods.webauthn.relying_party import RelyingParty

FIELD = method.FIELD
#: Far above any real answer (a credential ID is at most 1023 bytes): it bounds
#: what is parsed for a form that is not even an attempt yet.
MAX_LENGTH = 64 * 1024
MALFORMED = _("The security key's answer could not be read. Try again, or enter a code.")
UNAVAILABLE = _("Security keys are not available on this server.")


def options(user: Any, request: HttpRequest) -> dict[str, Any] | None:
    """The page's ``PublicKeyCredentialRequestOptionsJSON``, or ``None`` (no key, no extra).

    Each call stores a challenge (the user's live ones are capped), so only
    a page that offers the key calls it.
    """
    if not webauthn_available():
        return None
    try:
        return method.begin(user, request)
    except (NotEnabled, NoSecurityKey):
        return None


def parse(raw: str) -> Any:
    """py_webauthn's credential in ``raw`` (``AuthenticationResponseJSON``, as JSON text).

    Anything else is a ``ValidationError``: an ill-formed answer, like an
    ill-formed code, is not an attempt and is not counted.
    """
    if not webauthn_available():
        raise ValidationError(UNAVAILABLE, code="unavailable")
    from ..methods.webauthn import ceremonies

    if len(raw) > MAX_LENGTH:
        raise ValidationError(MALFORMED, code="malformed_credential")
    try:
        return ceremonies.parse_authentication(json.loads(raw))
    except (ValueError, RecursionError, ceremonies.Refused) as exc:
        raise ValidationError(MALFORMED, code="malformed_credential") from exc


def submitted(credential: Any, request: HttpRequest) -> SubmittedCode:
    """The parsed answer, bound to the relying party this request reached."""
    return SubmittedCode(WEBAUTHN, method.Assertion(credential, RelyingParty.for_request(request)))
