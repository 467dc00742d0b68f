"""Who the server is to an authenticator: the RP ID, its name, the origins it accepts.

``TWO_FACTOR["WEBAUTHN_RP_ID"]`` and ``["WEBAUTHN_ORIGINS"]`` name them; where
they are unset, the request's own host (validated by ``ALLOWED_HOSTS``) and
origin stand in. An origin entry may end in ``:*`` for any port of that host,
which is what a development server on ``http://localhost:<port>`` needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...conf import twofactor_settings

ANY_PORT = "*"
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    """An origin as ``scheme://host[:port]``; ``port`` ``None`` is any port."""

    scheme: str
    host: str
    port: int | None

    @classmethod
    def parse(cls, value: str) -> Origin:
        """``ValueError`` for anything but ``http(s)://host[:port|:*]`` with no path."""
        any_port = value.endswith(":" + ANY_PORT)
        parts = urlsplit(value[: -len(ANY_PORT)] + "1" if any_port else value)
        if (
            parts.scheme not in DEFAULT_PORTS
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username is not None
            or parts.password is not None
        ):
            raise ValueError(f"not an origin: {value!r}")
        port = parts.port  # ValueError for a port out of range
        if any_port:
            return cls(parts.scheme, parts.hostname, None)
        return cls(parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme])

    def matches(self, other: Origin) -> bool:
        return (
            self.scheme == other.scheme
            and self.host == other.host
            and (self.port is None or self.port == other.port)
        )

    @property
    def secure(self) -> bool:
        """HTTPS, or a host browsers treat as a secure context without it."""
        return (
            self.scheme == "https" or self.host == "localhost" or self.host.endswith(".localhost")
        )


def host_within(host: str, rp_id: str) -> bool:
    """Whether ``rp_id`` is ``host`` or a parent domain of it (WebAuthn §5.1.3)."""
    return host == rp_id or host.endswith("." + rp_id)


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origins: tuple[Origin, ...]

    @classmethod
    def for_request(cls, request: Any) -> RelyingParty:
        """From the settings, the request standing in for what they leave unset."""
        host = urlsplit(f"//{request.get_host()}").hostname or ""
        rp_id = twofactor_settings.WEBAUTHN_RP_ID or host
        name = twofactor_settings.WEBAUTHN_RP_NAME or twofactor_settings.ISSUER_NAME
        configured: Sequence[str] | None = twofactor_settings.WEBAUTHN_ORIGINS
        values = configured or [f"{request.scheme}://{request.get_host()}"]
        return cls(rp_id, name, tuple(Origin.parse(v) for v in values))

    def accepts(self, origin: str) -> bool:
        """Whether the browser-reported ``origin`` is one of ours, within the RP ID."""
        try:
            parsed = Origin.parse(origin)
        except ValueError:
            return False
        if parsed.port is None or not host_within(parsed.host, self.id):
            return False
        return any(allowed.matches(parsed) for allowed in self.origins)
