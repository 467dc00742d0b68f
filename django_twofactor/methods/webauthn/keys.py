"""A user's security keys: register, list, rename, delete.

The flows of this one method that have no twin in the others. What they
share with the rest (turning 2FA on, new recovery codes, clearing every
method when the last one goes) comes from ``django_twofactor.services``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from ... import attempts, services, signals
from ...exceptions import AlreadyEnabled, InvalidCode
from ...tokens import full_tokens, merge_methods
from . import method
from .models import WebAuthnCredential
from .relying_party import RelyingParty

logger = logging.getLogger(__name__)

FIELD = method.FIELD


def of(user: Any) -> QuerySet[WebAuthnCredential]:
    keys: QuerySet[WebAuthnCredential] = WebAuthnCredential.objects.filter(user=user)
    return keys


def describe(key: WebAuthnCredential) -> dict[str, Any]:
    """What the API and the admin show of a key: never its ID or public key."""
    return {
        "id": key.pk,
        "name": key.name,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
    }


def registration_options(user: Any, request: Any) -> dict[str, Any]:
    from . import ceremonies

    return ceremonies.registration_options(user, RelyingParty.for_request(request), list(of(user)))


def register(
    user: Any, credential: Any, name: str, previous_methods: list[str], request: Any = None
) -> dict[str, Any]:
    """Store a new key. The first method of the account also turns 2FA on, as turn-on
    does: recovery codes and fresh tokens (tokens issued before are void)."""
    from . import ceremonies

    attempts.ensure_not_locked(user)
    try:
        registered = ceremonies.verify_registration(
            user, RelyingParty.for_request(request), credential
        )
    except ceremonies.Refused as exc:
        logger.info("Security key registration of user %s refused: %s", user.pk, exc)
        raise InvalidCode(FIELD) from exc
    first_method = not user.two_factor_enabled
    try:
        with transaction.atomic():
            if first_method and not attempts.switch_on(user):
                raise AlreadyEnabled
            key = WebAuthnCredential.objects.create(
                user=user,
                name=name,
                credential_id=registered.credential_id,
                credential_id_hash=ceremonies.credential_id_hash(credential.raw_id),
                public_key=registered.public_key,
                sign_count=registered.sign_count,
                backed_up=registered.backed_up,
                transports=registered.transports,
            )
            codes = services.replace_recovery_codes(user) if first_method else None
    except IntegrityError as exc:  # the key is registered already, here or to another account
        raise InvalidCode(FIELD) from exc
    result = describe(key)
    if codes is None:
        signals.send_on_commit(signals.security_key_added, user, request, name=key.name)
    else:
        signals.send_on_commit(signals.two_factor_enabled, user, request)
        amr = merge_methods(previous_methods, method.amr(backed_up=registered.backed_up))
        result.update(recovery_codes=codes, **full_tokens(user, amr))
    return result


def rename(user: Any, pk: int, name: str) -> dict[str, Any]:
    key = of(user).get(pk=pk)  # DoesNotExist: the view's 404
    of(user).filter(pk=pk).update(name=name)
    key.name = name
    return describe(key)


def delete(user: Any, pk: int, request: Any = None) -> None:
    """Forget a key; with the account's last method, 2FA goes off (``services.clear``).

    The user row is locked first, so two deletions at once cannot each
    believe another method is left.
    """
    from ..totp import method as totp

    with transaction.atomic():
        current = attempts.user_row(user).select_for_update().get()
        key = of(user).filter(pk=pk).first()
        if key is None:
            raise WebAuthnCredential.DoesNotExist
        key.delete()
        last = not totp.is_on(current) and not of(user).exists()
        if last:
            services.clear(user)
    if last:
        signals.send_on_commit(signals.two_factor_disabled, user, request)
    else:
        signals.send_on_commit(signals.security_key_removed, user, request, name=key.name)
