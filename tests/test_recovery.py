"""``django_twofactor.recovery``: code format, entropy and the canonical form."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from django_twofactor import recovery

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
