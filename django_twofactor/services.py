"""The two-factor flows, and the only code that writes two-factor state.

Every state change that must happen once is a conditional ``UPDATE … WHERE``
whose row count says whether this request won, so it stays correct with any
number of concurrent requests and server processes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils.translation import gettext
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from . import attempts, crypto, lifecycle, methods, policy, signals
from .codes import RECOVERY, TOTP, WEBAUTHN, SubmittedCode
from .conf import jwt_settings, twofactor_settings
from .exceptions import (
    AlreadyEnabled,
    BlacklistUnavailable,
    InvalidCode,
    NotEnabled,
    SetupNotStarted,
)
from .methods.recovery import codes as recovery
from .methods.totp import algorithm as totp
from .methods.totp import method as totp_method
from .models import RecoveryCode, WebAuthnChallenge, WebAuthnCredential
from .tokens import (
    MULTI_FACTOR,
    PASSWORD,
    TRUSTED_DEVICE,
    full_tokens,
    merge_methods,
    pending_token,
)
from .trusted_devices import flows as trusted_devices

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setup:
    """What generate shows once; its ``repr`` hides both values (they hold the secret)."""

    secret: str = field(repr=False)
    otpauth_url: str = field(repr=False)


# Login ---------------------------------------------------------------------


def log_in(
    request: HttpRequest, credentials: dict[str, str], device_token: str | None = None
) -> dict[str, Any]:
    """The password; with 2FA on, a pending token, or full tokens at once where
    ``device_token`` is a live trusted device of this user (CONTRACT §15)."""
    user = authenticate(request, **credentials)
    if user is None or not jwt_settings().USER_AUTHENTICATION_RULE(user):
        raise AuthenticationFailed(
            gettext("No active account found with the given credentials"),
            code="no_active_account",
        )
    device = trusted_devices.vouching(user, device_token) if device_token else None
    if device is not None:
        if jwt_settings().UPDATE_LAST_LOGIN:
            update_last_login(None, user)  # type: ignore[arg-type]  # sender is unused
        amr = [PASSWORD, MULTI_FACTOR, TRUSTED_DEVICE]
        return {
            "two_factor_required": False,
            "two_factor_setup_required": False,
            **full_tokens(user, amr, auth_time=trusted_devices.auth_time(device)),
        }
    if getattr(user, "two_factor_enabled", False):
        return {
            "two_factor_required": True,
            "two_factor_setup_required": False,
            "pending_token": pending_token(user),
        }
    if jwt_settings().UPDATE_LAST_LOGIN:
        update_last_login(None, user)  # type: ignore[arg-type]  # sender is unused
    return {
        "two_factor_required": False,
        "two_factor_setup_required": policy.setup_required(user),
        **full_tokens(user, [PASSWORD]),
    }


# Set-up ----------------------------------------------------------------------


def begin_setup(user: Any) -> Setup:
    """Store a fresh secret (encrypted) and return it for the user's app once.

    Also for a user whose 2FA is on with security keys only: TOTP is not one
    of their methods until turn-on accepts a code of this secret.
    """
    if totp_method.is_on(user):
        raise AlreadyEnabled
    secret = totp.new_secret()
    ciphertext = crypto.encrypt(secret)
    totp_off = Q(two_factor_enabled=False) | Q(two_factor_last_step__isnull=True)
    if (
        not attempts.user_row(user)
        .filter(totp_off)
        .update(two_factor_secret=ciphertext, two_factor_last_step=None)
    ):
        raise AlreadyEnabled
    user.two_factor_secret = ciphertext
    user.two_factor_last_step = None
    params = totp.TotpParameters.from_settings()
    return Setup(secret, totp.otpauth_url(secret, user.get_username(), params))


def enable(
    user: Any, code: SubmittedCode, previous_methods: list[str], request: Any = None
) -> dict[str, Any]:
    """TOTP on: as the first method (2FA on, the epoch raised) or beside security keys.

    Either way the response holds a new set of recovery codes (the old set,
    if any, stops working) and fresh tokens.
    """
    if totp_method.is_on(user):
        raise AlreadyEnabled
    if not user.two_factor_secret:
        raise SetupNotStarted
    first_method = not user.two_factor_enabled
    attempts.ensure_not_locked(user)
    step = totp_method.matching_step(user, code.value)
    with transaction.atomic():
        won = attempts.accept_step(user, step, enabling=True)
        codes = replace_recovery_codes(user) if won else []
    if not won:
        _record_failure(user, request, enabled=not first_method)
        raise InvalidCode
    if first_method:
        signals.send_on_commit(signals.two_factor_enabled, user, request)
    amr = merge_methods(previous_methods, totp_method.AMR)
    return {"recovery_codes": codes, **full_tokens(user, amr)}


# Using the second factor -----------------------------------------------------


def complete_login(
    user: Any, code: SubmittedCode, previous_methods: list[str], request: Any = None
) -> dict[str, str]:
    """Pending token + valid code: full tokens that carry ``mfa``; a login."""
    tokens = step_up(user, code, previous_methods, request)
    if jwt_settings().UPDATE_LAST_LOGIN:
        update_last_login(None, user)  # type: ignore[arg-type]  # sender is unused
    return tokens


def step_up(
    user: Any, code: SubmittedCode, previous_methods: list[str], request: Any = None
) -> dict[str, str]:
    """Full token + valid code: fresh tokens whose ``auth_time`` is now (RFC 9470)."""
    amr = verify(user, code, request)
    return full_tokens(user, merge_methods(previous_methods, amr))


def disable(user: Any, code: SubmittedCode, request: Any = None) -> None:
    verify(user, code, request)
    clear(user)
    signals.send_on_commit(signals.two_factor_disabled, user, request)


def reset(user: Any, request: Any = None, by: Any = None) -> None:
    """Turn 2FA off without a code: for a user who lost their device."""
    was_enabled = bool(user.two_factor_enabled)
    clear(user)
    signals.send_on_commit(signals.two_factor_reset, user, request, by=by, was_enabled=was_enabled)


def clear(user: Any) -> None:
    """Every method off, and every token and verified session of the user void."""
    with transaction.atomic():
        attempts.user_row(user).update(
            two_factor_enabled=False,
            two_factor_secret="",
            two_factor_last_step=None,
            two_factor_failed_attempts=0,
            two_factor_locked_until=None,
            two_factor_epoch=F("two_factor_epoch") + 1,
        )
        RecoveryCode.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        WebAuthnChallenge.objects.filter(user=user).delete()
        trusted_devices.forget_all(user)
    user.two_factor_epoch += 1
    user.two_factor_enabled = False
    user.two_factor_secret = ""
    user.two_factor_last_step = None
    user.two_factor_failed_attempts = 0
    user.two_factor_locked_until = None


def regenerate_recovery_codes(user: Any, code: SubmittedCode, request: Any = None) -> list[str]:
    verify(user, code, request)
    with transaction.atomic():
        codes = replace_recovery_codes(user)
    signals.send_on_commit(signals.recovery_codes_regenerated, user, request)
    return codes


def status(user: Any) -> dict[str, Any]:
    """``methods``: the ones that can answer at the second step (recovery codes serve all)."""
    if not user.two_factor_enabled:
        return {"enabled": False, "recovery_codes_remaining": 0, "methods": []}
    remaining = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    on = [TOTP] if totp_method.is_on(user) else []
    if WebAuthnCredential.objects.filter(user=user).exists():
        on.append(WEBAUTHN)
    return {"enabled": True, "recovery_codes_remaining": remaining, "methods": on}


def verify(user: Any, code: SubmittedCode, request: Any = None) -> tuple[str, ...]:
    """Accept ``code`` exactly once for a user with 2FA on; return the ``amr`` it adds.

    A wrong, replayed or concurrently spent code (or assertion) counts as a failure.
    """
    if not user.two_factor_enabled:
        raise NotEnabled
    attempts.ensure_not_locked(user)
    method = methods.for_kind(code.kind)
    amr: tuple[str, ...] | None = method.verify(user, code.value)
    if amr is None:
        _record_failure(user, request)
        raise InvalidCode(method.FIELD)
    signals.send_on_commit(signals.code_verified, user, request, method=code.kind)
    if code.kind == RECOVERY:
        remaining = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        signals.send_on_commit(signals.recovery_code_used, user, request, remaining=remaining)
    return amr


# State changes ---------------------------------------------------------------


def replace_recovery_codes(user: Any) -> list[str]:
    """Call inside a transaction: the old set and the new one never coexist.

    The derivations (one a code, ``recovery.ITERATIONS``) come before the
    delete, so the old rows stay locked only for the two statements.
    """
    made = recovery.new_set(twofactor_settings.RECOVERY_CODES_COUNT)
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, lookup=stored.lookup, code_hash=stored.code_hash)
        for _, stored in made
    )
    return [code for code, _ in made]


def _record_failure(user: Any, request: Any = None, *, enabled: bool = True) -> None:
    locked_until = attempts.record_failure(user, enabled=enabled)
    failures = user.two_factor_failed_attempts
    logger.info("Wrong two-factor code for user %s (%d in a row)", user.pk, failures)
    signals.send_on_commit(signals.code_failed, user, request, failures=failures)
    if failures == twofactor_settings.FAILURE_LIMIT:
        logger.warning("Two-factor codes of user %s blocked after %d failures", user.pk, failures)
        signals.send_on_commit(signals.user_blocked, user, request, failures=failures)
    elif locked_until is not None:
        signals.send_on_commit(
            signals.user_locked_out, user, request, until=locked_until, failures=failures
        )


# Logging out ------------------------------------------------------------------


def log_out(refresh: Any, user: Any, *, everywhere: bool, request: Any = None) -> None:
    """End one refresh token (SimpleJWT's blacklist) or every credential of the user."""
    if everywhere:
        lifecycle.revoke_all(user)
        signals.send_on_commit(signals.logged_out_everywhere, user, request)
        return
    if not apps.is_installed("rest_framework_simplejwt.token_blacklist"):
        raise BlacklistUnavailable
    refresh.blacklist()


# Maintenance -----------------------------------------------------------------


@dataclass(frozen=True)
class Reencryption:
    reencrypted: int
    unreadable: list[Any]  # primary keys of users whose secret no key opens


def reencrypt_secrets() -> Reencryption:
    """Re-encrypt every stored secret under the current key.

    Each row is rewritten only if it still holds the ciphertext read, so a
    user running generate meanwhile keeps their new secret.
    """
    users = get_user_model()._default_manager.exclude(two_factor_secret="")
    done, unreadable = 0, []
    for pk, ciphertext in users.values_list("pk", "two_factor_secret").iterator():
        try:
            fresh = crypto.reencrypt(ciphertext)
        except crypto.SecretUnreadable:
            unreadable.append(pk)
            continue
        done += users.filter(pk=pk, two_factor_secret=ciphertext).update(two_factor_secret=fresh)
    return Reencryption(done, unreadable)
