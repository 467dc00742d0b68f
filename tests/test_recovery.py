"""``methods.recovery.codes``: code format, entropy, the canonical form, storage."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, PBKDF2PasswordHasher

from django_twofactor import crypto
from django_twofactor.methods.recovery import codes as recovery

FORMAT = re.compile(r"[a-z2-7]{5}-[a-z2-7]{5}")


def test_alphabet_is_lower_case_base32():
    assert recovery.ALPHABET == "abcdefghijklmnopqrstuvwxyz234567"
    assert len(set(recovery.ALPHABET)) == 32


def test_format():
    for _ in range(200):
        assert FORMAT.fullmatch(recovery.new_code())


def test_at_least_50_bits():
    """Ten characters drawn from 32 symbols: the contract's minimum of 50 bits."""
    assert recovery.LENGTH == 10
    assert recovery.LENGTH * math.log2(len(recovery.ALPHABET)) >= 50


def test_every_symbol_appears_in_every_position():
    """A cheap check that the full alphabet is used, not a subset (which would cut the entropy)."""
    codes = [recovery.new_code().replace("-", "") for _ in range(2000)]
    for position in range(recovery.LENGTH):
        assert {code[position] for code in codes} == set(recovery.ALPHABET)
    counts = Counter("".join(codes))
    assert max(counts.values()) < 2 * min(counts.values())


def test_new_codes_count_unique_and_well_formed():
    codes = recovery.new_codes(10)
    assert len(codes) == len(set(codes)) == 10
    assert all(FORMAT.fullmatch(c) for c in codes)
    assert recovery.new_codes(10) != codes  # fresh randomness each call
    assert len(recovery.new_codes(0)) == 0
    assert len(set(recovery.new_codes(500))) == 500


@pytest.mark.parametrize(
    "typed",
    [
        "abcde-fghij",
        "ABCDE-FGHIJ",
        "AbCdE-fGhIj",
        "abcdefghij",
        "abcde fghij",
        " abcde-fghij ",
        "ab-cde-fg-hij",
        "a b c d e f g h i j",
        "abcde--fghij",
    ],
)
def test_normalize_ignores_case_dashes_and_spaces(typed):
    assert recovery.normalize(typed) == "abcdefghij"


@pytest.mark.parametrize(
    "typed",
    [
        "abcde-fghi",  # too short
        "abcde-fghijk",  # too long
        "abcde-fghi0",  # 0 is not in the alphabet
        "abcde-fghi1",
        "abcde-fghi8",
        "abcde_fghij",  # underscore is not a separator
        "abcde\tfghij",  # nor is a tab
        "",
        "-----",
        "abcde-fghi\u212a",  # KELVIN SIGN: lower()s to an ASCII "k"
        "abcde-fghi\u0131",  # dotless i
        "abcde-fghij\u200b",  # zero-width space
        "ａｂｃｄｅ-ｆｇｈｉｊ",  # fullwidth letters
        "abcde\u2010fghij",  # Unicode hyphen
        "abcde\u00a0fghij",  # no-break space
        "123456",  # a TOTP code
    ],
)
def test_normalize_refuses_non_codes(typed):
    assert recovery.normalize(typed) is None


def test_kelvin_sign_would_otherwise_fold_to_k():
    """Why the non-ASCII test above matters: Python folds it to a valid letter."""
    assert "\u212a".lower() == "k"
    assert recovery.normalize("abcde-fghi\u212a") is None
    assert recovery.normalize("abcde-fghik") == "abcdefghik"


def test_canonical_of_generated_codes():
    for code in recovery.new_codes(20):
        assert recovery.canonical(code) == code.replace("-", "")
        assert recovery.canonical(code.upper()) == recovery.canonical(code)


def test_canonical_refuses_non_codes():
    with pytest.raises(ValueError, match="not a recovery code"):
        recovery.canonical("not-a-code")


# Storage: lookup and salted derivation of the keyed hash --------------------

KEYED = "0f" + "a" * 62  # the shape of a keyed hash: 64 hex digits


def test_lookup_is_the_first_two_hex_digits():
    assert recovery.LOOKUP_LENGTH == 2
    assert recovery.LOOKUPS == 256
    assert recovery.lookup(KEYED) == "0f"


def test_peppered_is_the_keyed_hash_under_every_key(settings):
    settings.SECRET_KEY_FALLBACKS = ["an-older-key-that-is-long-enough-0123456789abcdef"]
    keyed = recovery.peppered("abcdefghij")
    assert keyed == crypto.keyed_hashes("abcdefghij")
    assert len(keyed) == 2
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keyed)


def test_store_salts_each_code():
    first, second = recovery.store(KEYED), recovery.store(KEYED)
    assert first.lookup == second.lookup == "0f"
    assert first.code_hash != second.code_hash
    algorithm, iterations, salt, _digest = first.code_hash.split("$")
    assert algorithm == "twofactor_pbkdf2_sha256"
    assert iterations == "1"  # the suite's cost (conftest); production: test_recovery_storage
    assert len(salt) >= 22  # Django's 128 bits; NIST asks for at least 32
    assert KEYED not in first.code_hash
    assert len(first.code_hash) <= 128


def test_verify_needs_the_same_keyed_hash():
    stored = recovery.store(KEYED)
    assert recovery.verify(KEYED, stored.code_hash)
    assert not recovery.verify("0f" + "b" * 62, stored.code_hash)


def test_verify_keeps_a_hash_made_at_another_cost(monkeypatch):
    stored = recovery.store(KEYED)
    monkeypatch.setattr(recovery.RecoveryCodeHasher, "iterations", 3)
    assert recovery.verify(KEYED, stored.code_hash)
    assert recovery.store(KEYED).code_hash.split("$")[1] == "3"


@pytest.mark.parametrize(
    "stored",
    [
        "",
        KEYED,  # what earlier versions stored: the migration converts it
        PBKDF2PasswordHasher().encode(KEYED, "salt" * 6, 1),  # Django's own PBKDF2: another name
        MD5PasswordHasher().encode(KEYED, "salt" * 6),
    ],
)
def test_verify_refuses_other_formats(stored):
    assert not recovery.verify(KEYED, stored)


def test_the_hasher_ignores_password_hashers(settings):
    """The suite's PASSWORD_HASHERS say MD5; recovery codes still use PBKDF2."""
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert recovery.store(KEYED).code_hash.startswith("twofactor_pbkdf2_sha256$")


def test_new_set_codes_are_well_formed_sorted_and_apart():
    made = recovery.new_set(10)
    codes = [code for code, _ in made]
    assert codes == sorted(codes)
    assert len(set(codes)) == 10
    assert all(FORMAT.fullmatch(c) for c in codes)
    for code, stored in made:
        keyed = crypto.keyed_hash(recovery.canonical(code))
        assert stored.lookup == recovery.lookup(keyed)
        assert recovery.verify(keyed, stored.code_hash)


def test_new_set_never_repeats_a_lookup():
    """With 256 lookups, 100 codes drawn freely would share one almost surely."""
    made = recovery.new_set(100)
    assert len({stored.lookup for _, stored in made}) == 100
    assert recovery.new_set(0) == []
    assert len(recovery.new_set(128)) == 128


@pytest.mark.parametrize("count", [-1, 129])
def test_new_set_refuses_impossible_sizes(count):
    with pytest.raises(ValueError, match="at most 128"):
        recovery.new_set(count)
