"""``django_twofactor.crypto``: secrets encrypted at rest, keyed hashes, key rotation."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.test import override_settings

from django_twofactor import crypto
from django_twofactor.methods.totp import algorithm as totp

KEY_A = "old-secret-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
KEY_B = "new-secret-key-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"


def only(key: str, *fallbacks: str) -> override_settings:
    return override_settings(SECRET_KEY=key, SECRET_KEY_FALLBACKS=list(fallbacks))


def test_round_trip():
    secret = totp.new_secret()
    assert crypto.decrypt(crypto.encrypt(secret)) == secret


def test_ciphertext_never_holds_the_secret():
    """Neither the base32 text nor its raw bytes may show through the stored value."""
    secret = totp.new_secret()
    ciphertext = crypto.encrypt(secret)
    assert secret not in ciphertext
    assert secret.lower() not in ciphertext.lower()
    raw = base64.urlsafe_b64decode(ciphertext)
    assert secret.encode() not in raw
    assert base64.b32decode(secret) not in raw


def test_each_encryption_differs():
    """A fresh IV each time: equal secrets do not give equal columns."""
    secret = totp.new_secret()
    assert crypto.encrypt(secret) != crypto.encrypt(secret)


def test_decrypts_under_fallback_after_rotation_and_reencrypt_moves_it():
    secret = totp.new_secret()
    with only(KEY_A):
        old = crypto.encrypt(secret)
    with only(KEY_B, KEY_A):
        assert crypto.decrypt(old) == secret
        new = crypto.reencrypt(old)
        assert new != old
        assert crypto.decrypt(new) == secret
    with only(KEY_B):
        assert crypto.decrypt(new) == secret
        with pytest.raises(crypto.SecretUnreadable):
            crypto.decrypt(old)
    with only(KEY_A), pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(new)


def test_encrypts_under_the_current_key():
    """New values are written with SECRET_KEY, not with a fallback."""
    with only(KEY_B, KEY_A):
        ciphertext = crypto.encrypt("JBSWY3DPEHPK3PXP")
    with only(KEY_B):
        assert crypto.decrypt(ciphertext) == "JBSWY3DPEHPK3PXP"


def test_encryption_keys_override_secret_key():
    with override_settings(TWO_FACTOR={"ENCRYPTION_KEYS": ["explicit-1", "explicit-2"]}):
        assert crypto.master_secrets() == ("explicit-1", "explicit-2")
        ciphertext = crypto.encrypt("JBSWY3DPEHPK3PXP")
        with only(KEY_B):  # SECRET_KEY no longer matters
            assert crypto.decrypt(ciphertext) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(ciphertext)
    with override_settings(TWO_FACTOR={"ENCRYPTION_KEYS": ["explicit-2", "explicit-1"]}):
        assert crypto.decrypt(ciphertext) == "JBSWY3DPEHPK3PXP"  # a fallback explicit key


def test_master_secrets_default_to_secret_key_then_fallbacks():
    with only(KEY_B, KEY_A):
        assert crypto.master_secrets() == (KEY_B, KEY_A)


@pytest.mark.parametrize("ciphertext", ["", "not a token", "gAAAAAB" + "x" * 80, "é-not-ascii"])
def test_garbage_is_unreadable(ciphertext):
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(ciphertext)
    with pytest.raises(crypto.SecretUnreadable):
        crypto.reencrypt(ciphertext)


def test_unknown_key_is_unreadable_also_for_reencrypt():
    with only(KEY_A):
        ciphertext = crypto.encrypt("JBSWY3DPEHPK3PXP")
    with only(KEY_B), pytest.raises(crypto.SecretUnreadable):
        crypto.reencrypt(ciphertext)


def test_keyed_hashes_current_key_first_then_fallbacks():
    value = "abcdefghij"
    with only(KEY_A):
        under_a = crypto.keyed_hashes(value)
    with only(KEY_B):
        under_b = crypto.keyed_hashes(value)
    with only(KEY_B, KEY_A):
        assert crypto.keyed_hashes(value) == [*under_b, *under_a]
        assert crypto.keyed_hash(value) == under_b[0]
    assert len(under_a) == len(under_b) == 1
    assert under_a != under_b


def test_keyed_hash_is_keyed_hex_and_deterministic():
    value = "abcdefghij"
    digest = crypto.keyed_hash(value)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert crypto.keyed_hash(value) == digest
    assert crypto.keyed_hash("abcdefghik") != digest
    assert digest != hashlib.sha256(value.encode()).hexdigest()  # not an unkeyed hash


def test_keyed_hashes_follow_encryption_keys():
    with override_settings(TWO_FACTOR={"ENCRYPTION_KEYS": ["k1", "k2"]}):
        explicit = crypto.keyed_hashes("abcdefghij")
    assert len(explicit) == 2
    assert crypto.keyed_hash("abcdefghij") not in explicit


def test_state_stamps_are_128_bit_hmacs_under_every_key(settings):
    """Current key first, then the fallbacks; its own derived key, not the hash key's."""
    import hashlib
    import hmac

    settings.SECRET_KEY = "a-current-key-that-is-long-enough-for-the-tests-000"
    settings.SECRET_KEY_FALLBACKS = ["an-older-key-that-is-long-enough-for-the-tests-111"]
    stamps = crypto.state_stamps("1:0:hash")
    assert len(stamps) == 2
    assert all(len(s) == 32 and int(s, 16) >= 0 for s in stamps)
    assert stamps[0] != stamps[1]
    key = crypto._derive(settings.SECRET_KEY, b"account-state-stamp")
    assert stamps[0] == hmac.new(key, b"1:0:hash", hashlib.sha256).hexdigest()[:32]
    assert stamps[0] not in crypto.keyed_hashes("1:0:hash")[0]
    assert crypto.state_stamps("1:1:hash")[0] != stamps[0]
