"""System checks: a misconfiguration is reported at start-up, not at login."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig, apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.module_loading import import_string
from rest_framework.settings import api_settings as drf_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.tokens import UntypedToken

from .authentication import TwoFactorJWTAuthentication
from .conf import DEFAULTS, LOGIN_SCOPE, jwt_settings
from .lifecycle import STATE_CLAIM
from .methods.totp.algorithm import DIGESTS
from .methods.webauthn.relying_party import Origin, host_within
from .models import TwoFactorMixin
from .permissions import IsTwoFactorAuthenticated
from .policy import NAMED as NAMED_POLICIES
from .tokens import AUTH_TIME

# Claims SimpleJWT and the package write; reusing one as CLAIM would clobber it.
_JWT_CLAIMS = {"exp", "iat", "jti", "nbf", "aud", "iss", "sub", "token_type", "user_id"}
_RESERVED_CLAIMS = _JWT_CLAIMS | {STATE_CLAIM, AUTH_TIME}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_timedelta(value: Any) -> bool:
    return isinstance(value, timedelta) and value > timedelta(0)


# (key, test, what it must be) for every value check; E002 + position.
_VALUE_RULES: list[tuple[str, Callable[[Any], bool], str]] = [
    (
        "ISSUER_NAME",
        lambda v: isinstance(v, str) and v.strip() != "" and ":" not in v,
        "a non-empty string without ':' (the Key Uri Format uses ':' as separator)",
    ),
    ("DIGITS", lambda v: _is_int(v) and 6 <= v <= 8, "an integer from 6 to 8"),
    (
        "PERIOD",
        lambda v: _is_int(v) and 10 <= v <= 300,
        "an integer number of seconds from 10 to 300",
    ),
    (
        "ALGORITHM",
        lambda v: isinstance(v, str) and v.upper() in DIGESTS,
        "one of SHA1, SHA256, SHA512",
    ),
    ("VALID_WINDOW", lambda v: _is_int(v) and 0 <= v <= 10, "an integer from 0 to 10"),
    ("PENDING_TOKEN_LIFETIME", _positive_timedelta, "a positive timedelta"),
    (
        "CLAIM",
        lambda v: isinstance(v, str) and v != "" and v not in _RESERVED_CLAIMS,
        "a non-empty claim name that SimpleJWT does not use itself",
    ),
    ("MAX_FAILED_ATTEMPTS", lambda v: _is_int(v) and v >= 1, "an integer of at least 1"),
    ("LOCKOUT_BASE_DELAY", _positive_timedelta, "a positive timedelta"),
    ("LOCKOUT_MAX_DELAY", _positive_timedelta, "a positive timedelta"),
    ("RECOVERY_CODES_COUNT", lambda v: _is_int(v) and 1 <= v <= 100, "an integer from 1 to 100"),
    (
        "ENCRYPTION_KEYS",
        lambda v: (
            v is None
            or (
                isinstance(v, (list, tuple))
                and len(v) > 0
                and all(isinstance(k, str) and len(k) >= 32 for k in v)
            )
        ),
        "None, or a non-empty list of strings of at least 32 characters",
    ),
]
_VALUE_IDS = {key: f"django_twofactor.E{n:03d}" for n, (key, _, _) in enumerate(_VALUE_RULES, 3)}


# Rules added later take the next free id, so no existing id ever changes.
def _callable_path(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return callable(import_string(value))
    except ImportError:
        return False


def _enrolment_policy(value: Any) -> bool:
    return value is None or value in NAMED_POLICIES or _callable_path(value)


def _rp_id(value: Any) -> bool:
    """A host name, as WebAuthn takes it: no scheme, port or path; not an IP address."""
    if value is None:
        return True
    if not isinstance(value, str) or not value or value != value.lower().strip("."):
        return False
    try:
        ip_address(value)
    except ValueError:
        return all(label and len(label) <= 63 for label in value.split(".")) and (
            urlsplit(f"//{value}").hostname == value
        )
    return False


def _origins(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, (list, tuple)) or not value:
        return False
    try:
        return all(isinstance(v, str) and Origin.parse(v).secure for v in value)
    except ValueError:
        return False


_LATER_RULES: list[tuple[str, Callable[[Any], bool], str, str]] = [
    (
        "FAILURE_LIMIT",
        lambda v: _is_int(v) and v >= 1,
        "an integer of at least 1",
        "django_twofactor.E017",
    ),
    (
        "REQUIRED",
        _enrolment_policy,
        'None, "staff", "superusers", "all", or the dotted path of a callable user -> bool',
        "django_twofactor.E019",
    ),
    (
        "RECENT_AUTHENTICATION",
        _positive_timedelta,
        "a positive timedelta",
        "django_twofactor.E020",
    ),
    (
        "WEBAUTHN_RP_ID",
        _rp_id,
        'None (the request\'s host), or a host name such as "example.com": no scheme or port',
        "django_twofactor.E021",
    ),
    (
        "WEBAUTHN_RP_NAME",
        lambda v: v is None or (isinstance(v, str) and v.strip() != ""),
        "None (ISSUER_NAME), or a non-empty string",
        "django_twofactor.E022",
    ),
    (
        "WEBAUTHN_ORIGINS",
        _origins,
        "None (the request's origin), or a non-empty list of origins such as "
        '"https://example.com" or "http://localhost:*" (any port); only localhost may use http',
        "django_twofactor.E023",
    ),
    ("NOTIFY", lambda v: isinstance(v, bool), "True or False", "django_twofactor.E025"),
    (
        "NOTIFY_LANGUAGE",
        lambda v: v is None or _callable_path(v),
        "None (the request's language), or the dotted path of a callable "
        "user -> language code or None",
        "django_twofactor.E026",
    ),
    (
        "TRUSTED_DEVICE_LIFETIME",
        lambda v: v is None or _positive_timedelta(v),
        "None (trusted devices off), or a positive timedelta",
        "django_twofactor.E027",
    ),
]
_VALUE_RULES += [(key, valid, expected) for key, valid, expected, _ in _LATER_RULES]
_VALUE_IDS |= {key: id_ for key, _, _, id_ in _LATER_RULES}


@register(Tags.security, Tags.compatibility)
def check_settings(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    configured = getattr(settings, "TWO_FACTOR", {})
    if not isinstance(configured, dict):
        return [
            Error(
                "TWO_FACTOR must be a dict.",
                hint="Set TWO_FACTOR = {...} or remove it.",
                id="django_twofactor.E002",
            )
        ]
    messages: list[CheckMessage] = []
    for key, valid, expected in _VALUE_RULES:
        value = configured.get(key, DEFAULTS[key])
        if not valid(value):
            messages.append(
                Error(
                    f"TWO_FACTOR[{key!r}] is {value!r}.",
                    hint=f"It must be {expected}.",
                    id=_VALUE_IDS[key],
                )
            )
    base = configured.get("LOCKOUT_BASE_DELAY", DEFAULTS["LOCKOUT_BASE_DELAY"])
    cap = configured.get("LOCKOUT_MAX_DELAY", DEFAULTS["LOCKOUT_MAX_DELAY"])
    if _positive_timedelta(base) and _positive_timedelta(cap) and cap < base:
        messages.append(
            Error(
                "TWO_FACTOR['LOCKOUT_MAX_DELAY'] is shorter than LOCKOUT_BASE_DELAY.",
                hint="Make the cap at least as long as the first delay.",
                id="django_twofactor.E015",
            )
        )
    messages += _origins_within_rp_id(configured)
    unknown = sorted(set(configured) - set(DEFAULTS))
    if unknown:
        messages.append(
            Warning(
                f"TWO_FACTOR has unknown keys: {', '.join(unknown)}.",
                hint=f"Known keys: {', '.join(DEFAULTS)}.",
                id="django_twofactor.W003",
            )
        )
    return messages


def _origins_within_rp_id(configured: dict[str, Any]) -> list[CheckMessage]:
    """E024: a browser refuses an RP ID that is not the origin's host or a parent of it."""
    rp_id, origins = configured.get("WEBAUTHN_RP_ID"), configured.get("WEBAUTHN_ORIGINS")
    if rp_id is None or origins is None or not (_rp_id(rp_id) and _origins(origins)):
        return []
    outside = [o for o in origins if not host_within(Origin.parse(o).host, rp_id)]
    if not outside:
        return []
    return [
        Error(
            f"TWO_FACTOR['WEBAUTHN_ORIGINS'] has origins outside WEBAUTHN_RP_ID {rp_id!r}: "
            f"{', '.join(outside)}.",
            hint="Each origin's host must be the RP ID or a subdomain of it.",
            id="django_twofactor.E024",
        )
    ]


@register(Tags.models)
def check_user_model(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    model = get_user_model()
    if issubclass(model, TwoFactorMixin):
        return []
    if model._meta.label_lower == "auth.user":
        hint = (
            "Django's auth.User cannot take TwoFactorMixin: the package needs a custom "
            "user model, and does nothing without one. A new project sets "
            "AUTH_USER_MODEL before its first migrate (the docs' quick start); a "
            "project with users in auth.User follows the docs' section \"Projects "
            "on Django's default User\" (https://django-twofactor.readthedocs.io/en/"
            "latest/quickstart.html#default-user), which keeps every user and their table."
        )
    else:
        hint = (
            "Add django_twofactor.models.TwoFactorMixin to the bases of the "
            "model AUTH_USER_MODEL names, then run makemigrations."
        )
    return [
        Error(
            f"The user model {model._meta.label} does not use TwoFactorMixin.",
            hint=hint,
            id="django_twofactor.E001",
        )
    ]


def _classes(paths_or_classes: Any) -> list[type]:
    return [import_string(c) if isinstance(c, str) else c for c in paths_or_classes]


@register(Tags.security, Tags.urls)
def check_admin_login(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The admin's login URL, if there is one, must be the protected view."""
    if not apps.is_installed("django.contrib.admin"):
        return []
    from .admin.login import is_protected_login

    try:
        view = resolve(reverse("admin:login")).func
    except NoReverseMatch:
        return []
    if is_protected_login(view):
        return []
    return [
        Warning(
            "The admin's login takes the password alone: a user with two-factor "
            "authentication on can log into the admin without a code.",
            hint="Call django_twofactor.admin.protect(admin.site) in urls.py, above "
            "urlpatterns (before admin.site.urls is read).",
            id="django_twofactor.W005",
        )
    ]


@register(Tags.security)
def check_rest_framework(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if any(issubclass(c, UntypedToken) for c in jwt_settings().AUTH_TOKEN_CLASSES):
        messages.append(
            Error(
                "SIMPLE_JWT['AUTH_TOKEN_CLASSES'] includes UntypedToken, which accepts the "
                "pending two-factor token as if it were an access token.",
                hint="Use rest_framework_simplejwt.tokens.AccessToken.",
                id="django_twofactor.E016",
            )
        )
    authenticators = _classes(drf_settings.DEFAULT_AUTHENTICATION_CLASSES)
    if not any(issubclass(c, JWTAuthentication) for c in authenticators):
        messages.append(
            Warning(
                "SimpleJWT's JWTAuthentication is not in REST_FRAMEWORK"
                "['DEFAULT_AUTHENTICATION_CLASSES']: the tokens this app issues are not "
                "accepted by the rest of the API.",
                hint="Add 'rest_framework_simplejwt.authentication.JWTAuthentication'.",
                id="django_twofactor.W001",
            )
        )
    jwt_classes = [c for c in authenticators if issubclass(c, JWTAuthentication)]
    if jwt_classes and not any(issubclass(c, TwoFactorJWTAuthentication) for c in jwt_classes):
        messages.append(
            Warning(
                "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] uses SimpleJWT's plain "
                "JWTAuthentication: a token the account has outlived (2FA turned off or reset, "
                "password changed, logged out everywhere) is refused only by views behind the "
                "package's permission classes.",
                hint="Use 'django_twofactor.authentication.TwoFactorJWTAuthentication'.",
                id="django_twofactor.W004",
            )
        )
    throttles = _classes(drf_settings.DEFAULT_THROTTLE_CLASSES)
    rates = drf_settings.DEFAULT_THROTTLE_RATES or {}
    if any(issubclass(c, ScopedRateThrottle) for c in throttles) and LOGIN_SCOPE not in rates:
        messages.append(
            Error(
                f"ScopedRateThrottle is a default throttle class but no rate is set for "
                f"login/'s scope {LOGIN_SCOPE!r}: DRF would fail every login with a 500.",
                hint=f"Add {LOGIN_SCOPE!r} to REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], "
                "for example '20/minute'.",
                id="django_twofactor.E018",
            )
        )
    permissions = _classes(drf_settings.DEFAULT_PERMISSION_CLASSES)
    if not any(
        isinstance(c, type) and issubclass(c, IsTwoFactorAuthenticated) for c in permissions
    ):
        messages.append(
            Warning(
                "No default permission checks the second factor: views must each name "
                "IsTwoFactorAuthenticated or TwoFactorRequired, or a password alone opens them.",
                hint="Add 'django_twofactor.permissions.IsTwoFactorAuthenticated' to "
                "REST_FRAMEWORK['DEFAULT_PERMISSION_CLASSES'].",
                id="django_twofactor.W002",
            )
        )
    return messages
