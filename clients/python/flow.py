"""The whole two-factor flow, through the generated Python client only.

    PYTHONPATH=clients/python/build python clients/python/flow.py

Run by ``clients/python/run.py`` (``make client-python``) against the live
example project of ``clients/live.py`` with ``clients.flow_settings`` (a
5-second pending token), which sets ``API_URL`` and ``API_PASSWORD``.

Every request goes through the client openapi-python-client generated from
the live schema (``api.*`` functions, ``models.*``, ``Client``,
``AuthenticatedClient``), and every answer is checked by its status and the
type of ``response.parsed``: the schema's type for that status. The three
errors a client must tell apart (a wrong code, a lock, an expired token) are
told apart by those alone: status, parsed model, and its ``code``.

Security keys (WebAuthn) are driven with the suite's software authenticator
(``tests/webauthn_authenticator.py``, the repository's root on
``PYTHONPATH``): the options are parsed into the generated models, their
``to_dict()`` goes to the authenticator, and its answer comes back into the
generated request models through ``from_dict``, which must carry it whole.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

import pyotp
from django_twofactor_client import AuthenticatedClient, Client
from django_twofactor_client.api.demo import payout
from django_twofactor_client.api.two_factor import (
    two_factor_authenticate,
    two_factor_device_forget,
    two_factor_devices,
    two_factor_generate,
    two_factor_generate_png,
    two_factor_generate_svg,
    two_factor_login,
    two_factor_logout,
    two_factor_recovery_codes,
    two_factor_refresh,
    two_factor_status,
    two_factor_turn_off,
    two_factor_turn_on,
    two_factor_verify,
    two_factor_webauthn_authenticate_options,
    two_factor_webauthn_delete,
    two_factor_webauthn_keys,
    two_factor_webauthn_register,
    two_factor_webauthn_register_options,
    two_factor_webauthn_rename,
)
from django_twofactor_client.models import (
    AccessToken,
    AuthenticateBadRequest,
    AuthenticatedTokens,
    AuthenticationResponseJSON,
    KeyRegistration,
    KeyRename,
    LoginPending,
    LoginRequest,
    LoginTokens,
    LogoutRequest,
    NewRecoveryCodes,
    PayoutAccepted,
    PublicKeyCredentialCreationOptionsJSON,
    PublicKeyCredentialRequestOptionsJSON,
    RefreshRequest,
    RegisteredSecurityKey,
    RegistrationResponseJSON,
    SecurityKey,
    SecurityKeyAssertion,
    Setup,
    TokenPair,
    TotpCode,
    TotpOrRecoveryCode,
    TrustedDevice,
    TrustingSecurityKeyAssertion,
    TrustingTotpOrRecoveryCode,
    TwoFactorEnabled,
    TwoFactorError,
    TwoFactorMethod,
    TwoFactorStatus,
    Unauthorized,
)
from django_twofactor_client.types import File, Response, Unset

from tests.webauthn_authenticator import SoftAuthenticator

API_URL = os.environ["API_URL"]
PASSWORD = os.environ["API_PASSWORD"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RECOVERY_CODE = re.compile(r"[a-z0-9]{5}-[a-z0-9]{5}")
STEP = 30  # seconds: the TOTP period
PENDING_LIFETIME = 5  # seconds, in clients.flow_settings
# The example's RP ID is `localhost` and its origins `http://localhost:*`: a
# browser on this server's port would sign that origin, though the flow's
# requests go to 127.0.0.1 (the suite's authenticator signs localhost too).
KEY_ORIGIN = f"http://localhost:{urlsplit(API_URL).port}"
RP_ID = "localhost"

T = TypeVar("T")
R = TypeVar("R")


def say(message: str) -> None:
    print(f"  {message}", flush=True)


def expect(response: Response[R], status: int, kind: type[T]) -> T:
    """The parsed body of a ``status`` answer, which must be a ``kind``."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.content[:300]!r}"
    )
    parsed = response.parsed
    assert isinstance(parsed, kind), (
        f"{status}: parsed as {type(parsed).__name__}, expected {kind.__name__}"
    )
    return parsed


def expect_no_content(response: Response[R]) -> None:
    assert response.status_code == 204, (
        f"expected 204, got {response.status_code}: {response.content[:300]!r}"
    )
    assert response.content == b"", response.content


def expect_error(response: Response[R], status: int, kind: type[T], code: str) -> T:
    """An error answer: its status, its model, and the model's ``code``."""
    error = expect(response, status, kind)
    assert getattr(error, "code", None) == code, f"{status}: {getattr(error, 'code', None)!r}"
    assert getattr(error, "detail", ""), f"{status} {code}: no detail"
    return error


def claims(token: str) -> dict[str, object]:
    """A JWT's payload, read with base64 alone (the server checked the signature)."""
    payload = token.split(".")[1]
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(decoded, dict)
    return decoded


def amr(token: str) -> list[str]:
    methods = claims(token)["amr"]
    assert isinstance(methods, list)
    return [str(method) for method in methods]


class Authenticator:
    """The user's authenticator app: each code of a later step than the last.

    The server accepts the steps t-1, t and t+1 of its clock, each once and
    none at or before the last one accepted: codes of t-1, t, t+1 in that
    order need no waiting; a fourth waits for the next step.
    """

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step = -1

    @staticmethod
    def now() -> int:
        # t-1 must not turn into t-2 on its way to the server: skip a step's
        # last second.
        if time.time() % STEP > STEP - 1:
            time.sleep(STEP - time.time() % STEP + 0.05)
        return int(time.time()) // STEP

    def code(self) -> str:
        now = self.now()
        step = max(self.last_step + 1, now - 1)
        if step > now + 1:
            time.sleep((step - 1) * STEP - time.time() + 0.05)
        self.last_step = step
        return str(self.totp.at(step * STEP))

    def wrong_code(self) -> str:
        """Six digits that no step near now gives."""
        now = int(time.time()) // STEP
        near = {self.totp.at((now + delta) * STEP) for delta in range(-3, 4)}
        return next(code for n in range(10) if (code := f"{n}" * 6) not in near)


@dataclass
class User:
    username: str
    anonymous: Client = field(
        default_factory=lambda: Client(base_url=API_URL, raise_on_unexpected_status=True)
    )

    @staticmethod
    def bearer(token: str) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=API_URL, token=token, raise_on_unexpected_status=True)

    def credentials(self, device_token: str | None = None) -> LoginRequest:
        body = LoginRequest(username=self.username, password=PASSWORD)
        if device_token is not None:
            body.device_token = device_token
        return body

    def full_login(self, device_token: str | None = None) -> LoginTokens:
        body = self.credentials(device_token)
        tokens = expect(
            two_factor_login.sync_detailed(client=self.anonymous, body=body), 200, LoginTokens
        )
        assert tokens.two_factor_required is False
        return tokens

    def pending_login(self, device_token: str | None = None) -> str:
        body = self.credentials(device_token)
        pending = expect(
            two_factor_login.sync_detailed(client=self.anonymous, body=body), 200, LoginPending
        )
        assert pending.two_factor_required is True
        return pending.pending_token

    def setup(self, access: str) -> Setup:
        return expect(two_factor_generate.sync_detailed(client=self.bearer(access)), 200, Setup)

    def turn_on(self, access: str, app: Authenticator) -> TwoFactorEnabled:
        response = two_factor_turn_on.sync_detailed(
            client=self.bearer(access), body=TotpCode(code=app.code())
        )
        return expect(response, 200, TwoFactorEnabled)


def login_without_2fa(alice: User) -> str:
    print("login, 2FA off")
    tokens = alice.full_login()
    assert amr(tokens.access) == ["pwd"], amr(tokens.access)
    say(f"full tokens, two_factor_required false, amr {amr(tokens.access)}")
    body = RefreshRequest(refresh=tokens.refresh)
    refreshed = expect(
        two_factor_refresh.sync_detailed(client=alice.anonymous, body=body), 200, AccessToken
    )
    assert amr(refreshed.access) == ["pwd"]
    say("refresh: a new access token, the claim kept")
    response = two_factor_status.sync_detailed(client=alice.bearer(refreshed.access))
    status = expect(response, 200, TwoFactorStatus)
    assert status.enabled is False, status
    assert status.recovery_codes_remaining == 0, status
    assert status.methods == [], status
    say("status: enabled false, no methods, 0 recovery codes")
    return refreshed.access


def generate(alice: User, access: str) -> Setup:
    print("generate: generate.png, generate.svg, then JSON (each call stores a new secret)")
    client = alice.bearer(access)
    image = expect(two_factor_generate_png.sync_detailed(client=client), 200, File)
    content = image.payload.read()
    assert content.startswith(PNG_SIGNATURE), content[:16]
    say(f"generate.png: {len(content)} bytes of PNG")
    text = expect(two_factor_generate_svg.sync_detailed(client=client), 200, str)
    assert text.lstrip().startswith("<"), text[:100]
    assert "<svg" in text, text[:300]
    say(f"generate.svg: {len(text)} characters of SVG")
    setup = alice.setup(access)
    assert setup.otpauth_url.startswith("otpauth://totp/"), setup.otpauth_url
    assert f"secret={setup.secret}" in setup.otpauth_url, setup.otpauth_url
    prefix = "data:image/png;base64,"
    assert setup.qr_code.startswith(prefix), setup.qr_code[:40]
    assert base64.b64decode(setup.qr_code.removeprefix(prefix)).startswith(PNG_SIGNATURE)
    say("JSON: the secret, its otpauth URL, the QR code as a PNG data URI")
    return setup


def turn_on(alice: User, access: str, app: Authenticator) -> TwoFactorEnabled:
    print("turn-on with a TOTP code")
    enabled = alice.turn_on(access, app)
    assert enabled.recovery_codes, enabled
    assert all(RECOVERY_CODE.fullmatch(code) for code in enabled.recovery_codes), enabled
    assert {"pwd", "mfa", "otp"} <= set(amr(enabled.access)), amr(enabled.access)
    say(f"{len(enabled.recovery_codes)} recovery codes, tokens with amr {amr(enabled.access)}")
    response = two_factor_status.sync_detailed(client=alice.bearer(access))
    expect_error(response, 401, Unauthorized, "token_revoked")
    say("the password-only token: 401 token_revoked")
    return enabled


def second_step(alice: User, app: Authenticator) -> AuthenticatedTokens:
    print("login with 2FA on: a pending token, then a code")
    pending = alice.pending_login()
    time.sleep(PENDING_LIFETIME + 1)
    body = TrustingTotpOrRecoveryCode(code=app.wrong_code())
    response = two_factor_authenticate.sync_detailed(client=alice.bearer(pending), body=body)
    expired = expect_error(response, 401, Unauthorized, "token_not_valid")
    say(f"{PENDING_LIFETIME + 1} s later: 401 {type(expired).__name__} {expired.code}")

    pending = alice.pending_login()
    body = TrustingTotpOrRecoveryCode(code=app.wrong_code())
    response = two_factor_authenticate.sync_detailed(client=alice.bearer(pending), body=body)
    wrong = expect_error(response, 400, AuthenticateBadRequest, "invalid_code")
    assert not isinstance(wrong.errors, Unset), wrong
    assert wrong.errors.code, wrong.errors
    assert wrong.detail == wrong.errors.code[0], wrong
    say(f"a wrong code: 400 {type(wrong).__name__} {wrong.code}, errors {wrong.errors.to_dict()}")

    body = TrustingTotpOrRecoveryCode(code=app.code(), trust_device=True, device_name="flow.py")
    response = two_factor_authenticate.sync_detailed(client=alice.bearer(pending), body=body)
    tokens = expect(response, 200, AuthenticatedTokens)
    assert {"pwd", "mfa", "otp"} <= set(amr(tokens.access)), amr(tokens.access)
    assert isinstance(tokens.device_token, str), tokens.device_token
    assert len(tokens.device_token) >= 22, tokens.device_token  # 128 bits or more
    say(f"the right code, trust_device: full tokens, amr {amr(tokens.access)}, a device token")
    return tokens


def trusted_device(alice: User, access: str, device_token: str) -> None:
    print("trusted device")
    tokens = alice.full_login(device_token)
    assert "trusted_device" in amr(tokens.access), amr(tokens.access)
    assert "otp" not in amr(tokens.access), amr(tokens.access)
    say(f"login with the device token: full tokens at once, amr {amr(tokens.access)}")
    devices = expect(two_factor_devices.sync_detailed(client=alice.bearer(access)), 200, list)
    assert len(devices) == 1, devices
    device = devices[0]
    assert isinstance(device, TrustedDevice), device
    assert device.name == "flow.py", device
    assert device.last_used_at is not None, device
    assert device.expires_at > device.created_at, device
    say(f"devices: {device.name!r} (id {device.id}), used at {device.last_used_at:%H:%M:%S}")
    response = two_factor_device_forget.sync_detailed(device.id, client=alice.bearer(access))
    expect_no_content(response)
    alice.pending_login(device_token)
    say("forget: 204; the forgotten token at login: a pending token again")


def step_up(alice: User, access: str, recovery_code: str) -> TokenPair:
    print("step-up: verify with a recovery code, then payout")
    body = TotpOrRecoveryCode(code=recovery_code)
    response = two_factor_verify.sync_detailed(client=alice.bearer(access), body=body)
    tokens = expect(response, 200, TokenPair)
    assert "mfa" in amr(tokens.access), amr(tokens.access)
    auth_time = claims(tokens.access)["auth_time"]
    assert isinstance(auth_time, int), auth_time
    assert abs(auth_time - time.time()) < 60, auth_time
    say(f"verify: new tokens, amr {amr(tokens.access)}, auth_time now")
    response_202 = payout.sync_detailed(client=alice.bearer(tokens.access))
    accepted = expect(response_202, 202, PayoutAccepted)
    say(f"payout: 202 {accepted.status}")
    return tokens


def renew_recovery_codes(alice: User, access: str, app: Authenticator, old: list[str]) -> list[str]:
    print("new recovery codes, with a TOTP code of a later step")
    body = TotpCode(code=app.code())
    response = two_factor_recovery_codes.sync_detailed(client=alice.bearer(access), body=body)
    fresh = expect(response, 200, NewRecoveryCodes).recovery_codes
    assert len(fresh) == len(old), fresh
    assert not set(fresh) & set(old), fresh
    say(f"{len(fresh)} new codes, none of the old set")
    response_status = two_factor_status.sync_detailed(client=alice.bearer(access))
    status = expect(response_status, 200, TwoFactorStatus)
    assert status.enabled is True, status
    assert status.methods == [TwoFactorMethod.TOTP], status
    assert status.recovery_codes_remaining == len(fresh), status
    methods = [method.value for method in status.methods]
    say(f"status: enabled, methods {methods}, {status.recovery_codes_remaining} remaining")
    return fresh


def no_token() -> None:
    print("no token")
    # An empty Authorization header: no credentials at all.
    nobody = AuthenticatedClient(
        base_url=API_URL, token="", prefix="", raise_on_unexpected_status=True
    )
    response = two_factor_status.sync_detailed(client=nobody)
    expect_error(response, 401, Unauthorized, "not_authenticated")
    say("2fa/ without a token: 401 not_authenticated")


def lockout(bob: User) -> None:
    print("lockout (bob, so that alice's flow goes on)")
    access = bob.full_login().access
    app = Authenticator(bob.setup(access).secret)
    bob.turn_on(access, app)
    client = bob.bearer(bob.pending_login())
    wrong = 0
    body = TrustingTotpOrRecoveryCode(code=app.wrong_code())
    response = two_factor_authenticate.sync_detailed(client=client, body=body)
    while response.status_code == 400 and wrong < 10:
        expect_error(response, 400, AuthenticateBadRequest, "invalid_code")
        wrong += 1
        response = two_factor_authenticate.sync_detailed(client=client, body=body)
    locked = expect_error(response, 429, TwoFactorError, "two_factor_locked")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after > 0, retry_after
    say(f"{wrong} wrong codes: 400 invalid_code; then 429 {type(locked).__name__} {locked.code}")
    say(f"Retry-After: {retry_after} s")


def key_options(client: AuthenticatedClient) -> PublicKeyCredentialRequestOptionsJSON:
    """``2fa/webauthn/authenticate/options/`` with a pending or a full token."""
    response = two_factor_webauthn_authenticate_options.sync_detailed(client=client)
    options = expect(response, 200, PublicKeyCredentialRequestOptionsJSON)
    assert options.rp_id == RP_ID, options.rp_id
    assert len(options.challenge) >= 22, options.challenge  # 16 bytes or more
    return options


def answer(
    key: SoftAuthenticator, options: PublicKeyCredentialRequestOptionsJSON
) -> AuthenticationResponseJSON:
    """The key's assertion for the parsed options, as the generated model carries it."""
    assertion = key.authenticate(options.to_dict())
    credential = AuthenticationResponseJSON.from_dict(assertion)
    assert credential.to_dict() == assertion, "the model does not carry the assertion whole"
    return credential


def register_key(
    carol: User, access: str, key: SoftAuthenticator, name: str, excluded: list[str]
) -> RegisteredSecurityKey:
    """Both steps of registration: the creation options, then the key's answer."""
    client = carol.bearer(access)
    response = two_factor_webauthn_register_options.sync_detailed(client=client)
    options = expect(response, 200, PublicKeyCredentialCreationOptionsJSON)
    assert options.rp.id == RP_ID, options.rp
    assert [c.id for c in options.exclude_credentials] == excluded, options.exclude_credentials
    created = key.register(options.to_dict())
    credential = RegistrationResponseJSON.from_dict(created)
    assert credential.to_dict() == created, "the model does not carry the registration whole"
    body = KeyRegistration(credential=credential, name=name)
    response_201 = two_factor_webauthn_register.sync_detailed(client=client, body=body)
    registered = expect(response_201, 201, RegisteredSecurityKey)
    assert registered.name == name, registered
    assert registered.last_used_at is None, registered
    return registered


def keys(carol: User, access: str) -> list[SecurityKey]:
    listed = expect(two_factor_webauthn_keys.sync_detailed(client=carol.bearer(access)), 200, list)
    assert all(isinstance(key, SecurityKey) for key in listed), listed
    return [key for key in listed if isinstance(key, SecurityKey)]


def security_keys(carol: User) -> None:
    print("security keys (carol): register, rename, login, replay, verify, a second key, delete")
    password_only = carol.full_login().access
    blue = SoftAuthenticator(origin=KEY_ORIGIN)  # a USB key: hwk
    first = register_key(carol, password_only, blue, "flow.py key", excluded=[])
    assert not isinstance(first.recovery_codes, Unset), first
    assert len(first.recovery_codes) == 10, first.recovery_codes
    assert all(RECOVERY_CODE.fullmatch(code) for code in first.recovery_codes), first
    assert isinstance(first.access, str), first
    assert isinstance(first.refresh, str), first
    assert {"pwd", "mfa", "hwk"} <= set(amr(first.access)), amr(first.access)
    say(
        f"register options, then register: 201, the first key turns 2FA on: "
        f"{len(first.recovery_codes)} recovery codes, tokens with amr {amr(first.access)}"
    )
    response = two_factor_status.sync_detailed(client=carol.bearer(password_only))
    expect_error(response, 401, Unauthorized, "token_revoked")
    say("the password-only token: 401 token_revoked")

    listed = keys(carol, first.access)
    assert [(key.id, key.name) for key in listed] == [(first.id, "flow.py key")], listed
    say(f"keys: {[key.name for key in listed]} (id {first.id})")
    response_rename = two_factor_webauthn_rename.sync_detailed(
        first.id, client=carol.bearer(first.access), body=KeyRename(name="Blue key")
    )
    renamed = expect(response_rename, 200, SecurityKey)
    assert (renamed.id, renamed.name) == (first.id, "Blue key"), renamed
    say(f"rename: 200 {renamed.name!r}")

    # The pending token lives PENDING_LIFETIME seconds: options, signature and
    # answer fit in it.
    pending = carol.bearer(carol.pending_login())
    options = key_options(pending)
    assert [c.id for c in options.allow_credentials] == [blue.credentials[0].id_b64], options
    credential = answer(blue, options)
    body = TrustingSecurityKeyAssertion(credential=credential)
    response_200 = two_factor_authenticate.sync_detailed(client=pending, body=body)
    tokens = expect(response_200, 200, AuthenticatedTokens)
    assert {"pwd", "mfa", "hwk"} <= set(amr(tokens.access)), amr(tokens.access)
    say(f"login: a pending token, its options, the key's answer: amr {amr(tokens.access)}")

    pending = carol.bearer(carol.pending_login())
    response_400 = two_factor_authenticate.sync_detailed(client=pending, body=body)
    replayed = expect_error(response_400, 400, AuthenticateBadRequest, "invalid_credential")
    assert not isinstance(replayed.errors, Unset), replayed
    assert not isinstance(replayed.errors.credential, Unset), replayed.errors
    assert replayed.detail == replayed.errors.credential[0], replayed
    say(f"the same answer again: 400 {replayed.code}, errors {replayed.errors.to_dict()}")

    client = carol.bearer(tokens.access)
    body_verify = SecurityKeyAssertion(credential=answer(blue, key_options(client)))
    response_verify = two_factor_verify.sync_detailed(client=client, body=body_verify)
    stepped = expect(response_verify, 200, TokenPair)
    assert {"pwd", "mfa", "hwk"} <= set(amr(stepped.access)), amr(stepped.access)
    auth_time = claims(stepped.access)["auth_time"]
    assert isinstance(auth_time, int), auth_time
    assert abs(auth_time - time.time()) < 60, auth_time
    say(f"verify with a new answer (options with the full token): amr {amr(stepped.access)}")

    # A passkey synced by a platform (backup eligible, backed up): swk.
    passkey = SoftAuthenticator(origin=KEY_ORIGIN, backup_eligible=True, backed_up=True)
    excluded = [blue.credentials[0].id_b64]
    second = register_key(carol, stepped.access, passkey, "flow.py passkey", excluded)
    assert isinstance(second.recovery_codes, Unset), second
    assert isinstance(second.access, Unset), second
    assert isinstance(second.refresh, Unset), second
    listed = keys(carol, stepped.access)
    assert [key.id for key in listed] == [first.id, second.id], listed
    say(f"a second key (a passkey): 201, no codes, no tokens; keys {[k.name for k in listed]}")

    response_204 = two_factor_webauthn_delete.sync_detailed(
        first.id, client=carol.bearer(stepped.access)
    )
    expect_no_content(response_204)
    assert [key.id for key in keys(carol, stepped.access)] == [second.id]
    response_status = two_factor_status.sync_detailed(client=carol.bearer(stepped.access))
    status = expect(response_status, 200, TwoFactorStatus)
    assert status.enabled is True, status
    assert status.methods == [TwoFactorMethod.WEBAUTHN], status
    assert status.recovery_codes_remaining == 10, status
    say(f"delete {renamed.name!r}: 204; status: methods {[m.value for m in status.methods]}")

    pending = carol.bearer(carol.pending_login())
    options = key_options(pending)
    assert [c.id for c in options.allow_credentials] == [passkey.credentials[0].id_b64], options
    body = TrustingSecurityKeyAssertion(credential=answer(passkey, options))
    response_200 = two_factor_authenticate.sync_detailed(client=pending, body=body)
    tokens = expect(response_200, 200, AuthenticatedTokens)
    assert {"pwd", "mfa", "swk"} <= set(amr(tokens.access)), amr(tokens.access)
    say(f"login with the passkey, the only key listed now: amr {amr(tokens.access)}")


def turn_off_and_logout(alice: User, access: str, recovery_code: str) -> None:
    print("turn-off, login, logout")
    body = TotpOrRecoveryCode(code=recovery_code)
    expect_no_content(two_factor_turn_off.sync_detailed(client=alice.bearer(access), body=body))
    say("turn-off with a recovery code: 204")
    tokens = alice.full_login()
    say(f"login: full tokens again, amr {amr(tokens.access)}")
    logout = LogoutRequest(refresh=tokens.refresh)
    expect_no_content(two_factor_logout.sync_detailed(client=alice.anonymous, body=logout))
    refresh = RefreshRequest(refresh=tokens.refresh)
    response = two_factor_refresh.sync_detailed(client=alice.anonymous, body=refresh)
    expect_error(response, 401, Unauthorized, "token_not_valid")
    say("logout: 204; its refresh token then: 401 token_not_valid")


def main() -> None:
    start = time.monotonic()
    alice, bob, carol = User("alice"), User("bob"), User("carol")
    password_only = login_without_2fa(alice)
    app = Authenticator(generate(alice, password_only).secret)
    recovery = turn_on(alice, password_only, app).recovery_codes
    tokens = second_step(alice, app)
    assert isinstance(tokens.device_token, str)
    trusted_device(alice, tokens.access, tokens.device_token)
    stepped = step_up(alice, tokens.access, recovery[0])
    fresh = renew_recovery_codes(alice, stepped.access, app, recovery)
    no_token()
    lockout(bob)
    security_keys(carol)
    turn_off_and_logout(alice, stepped.access, fresh[0])
    print(f"flow: every step passed in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
