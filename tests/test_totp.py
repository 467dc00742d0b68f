"""``methods.totp.algorithm``: RFC 6238 codes, secrets, the Key Uri and code parsing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import shutil
import struct
import subprocess
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import time_machine
from django.test import override_settings

from django_twofactor.methods.totp import algorithm as totp

RFC_SEED = b"12345678901234567890"
SEEDS = {  # RFC 6238 Appendix A: the ASCII seed repeated to the digest's size
    "SHA1": RFC_SEED,
    "SHA256": (RFC_SEED * 2)[:32],
    "SHA512": (RFC_SEED * 4)[:64],
}
RFC_6238_VECTORS = [  # Appendix B: (time, SHA1, SHA256, SHA512)
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
RFC_4226_VECTORS = [  # Appendix D: HOTP of the ASCII seed for counters 0..9
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
]


def b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii")


def params(
    digits: int = 6,
    period: int = 30,
    algorithm: str = "SHA1",
    window: int = 1,
    issuer: str = "My Site",
) -> totp.TotpParameters:
    return totp.TotpParameters(digits, period, algorithm, window, issuer)


def reference_hotp(key: bytes, counter: int, digits: int, algorithm: str = "SHA1") -> str:
    """RFC 4226 §5.3, written out so the package is checked against something it did not write."""
    digest = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, algorithm.lower())).digest()
    offset = digest[-1] & 0x0F
    binary = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def rfc_6238_cases() -> list[tuple[int, str, str]]:
    algorithms = ("SHA1", "SHA256", "SHA512")
    return [
        (t, alg, code)
        for t, *codes in RFC_6238_VECTORS
        for alg, code in zip(algorithms, codes, strict=True)
    ]


@pytest.mark.parametrize(("moment", "algorithm", "expected"), rfc_6238_cases())
def test_rfc_6238_appendix_b(moment, algorithm, expected):
    """Interoperability with every authenticator app rests on these 18 vectors."""
    p = params(digits=8, algorithm=algorithm)
    secret = b32(SEEDS[algorithm])
    with time_machine.travel(moment, tick=False):
        assert totp.code_at(secret, p) == expected
        assert totp.matching_step(secret, expected, p) == moment // 30
    assert totp.code_at(secret, p, moment) == expected


def test_reference_hotp_matches_rfc_4226_appendix_d():
    """The test's own HOTP is right, so comparing the package with it means something."""
    assert [reference_hotp(RFC_SEED, c, 6) for c in range(10)] == RFC_4226_VECTORS


def test_hotp_of_package_matches_rfc_4226_appendix_d():
    p = params()
    assert [totp.code_for_step(b32(RFC_SEED), c, p) for c in range(10)] == RFC_4226_VECTORS


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "SHA512"])
@pytest.mark.parametrize("digits", [6, 8])
def test_package_matches_reference_for_random_secrets_and_times(algorithm, digits):
    rng = random.Random(f"{algorithm}-{digits}")
    for _ in range(200):
        key = rng.randbytes(rng.choice([20, 32, 64]))
        moment = rng.randrange(0, 2**36)
        period = rng.choice([30, 60])
        expected = reference_hotp(key, moment // period, digits, algorithm)
        assert totp.code_at(b32(key), params(digits, period, algorithm), moment) == expected


@pytest.mark.skipif(
    shutil.which("oathtool") is None, reason="oathtool not on PATH (Debian package oathtool)"
)
@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "SHA512"])
def test_package_matches_oathtool(algorithm):
    """A second, independent C implementation agrees (OATH Toolkit)."""
    rng = random.Random(algorithm)
    for _ in range(15):
        secret = totp.new_secret()
        moment = rng.randrange(0, 2**33)
        out = subprocess.run(
            [
                "oathtool",
                f"--totp={algorithm.lower()}",
                "-b",
                "-d",
                "8",
                "-s",
                "30",
                "-N",
                f"@{moment}",
                secret,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert totp.code_at(secret, params(8, 30, algorithm), moment) == out


def test_new_secret_is_160_bits_of_base32_and_unique():
    secrets_ = [totp.new_secret() for _ in range(200)]
    for secret in secrets_:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert len(base64.b32decode(secret)) == 20
    assert len(set(secrets_)) == len(secrets_)


def parse_url(url: str) -> tuple[str, str, dict[str, list[str]]]:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    issuer, account = parts.path.lstrip("/").split(":")  # one literal colon: the separator
    return unquote(issuer), unquote(account), parse_qs(parts.query)


def test_otpauth_url_defaults_name_only_secret_and_issuer():
    secret = totp.new_secret()
    issuer, account, query = parse_url(totp.otpauth_url(secret, "alice", params()))
    assert (issuer, account) == ("My Site", "alice")
    assert query == {"secret": [secret], "issuer": ["My Site"]}


def test_otpauth_url_encodes_label_and_issuer():
    """A colon, space or ampersand in either part must not break the label or the query."""
    url = totp.otpauth_url("JBSWY3DPEHPK3PXP" * 2, "jo doe:x@example.com", params(issuer="A: B&C"))
    issuer, account, query = parse_url(url)
    assert (issuer, account) == ("A: B&C", "jo doe:x@example.com")
    assert query["issuer"] == ["A: B&C"]
    assert " " not in url


def test_otpauth_url_names_non_default_parameters():
    url = totp.otpauth_url(
        totp.new_secret(), "alice", params(digits=8, period=60, algorithm="SHA256")
    )
    _, _, query = parse_url(url)
    assert query["digits"] == ["8"]
    assert query["period"] == ["60"]
    assert query["algorithm"] == ["SHA256"]


@override_settings(TWO_FACTOR={"ISSUER_NAME": "Acme", "ALGORITHM": "sha512"})
def test_otpauth_url_from_settings():
    _, _, query = parse_url(
        totp.otpauth_url(totp.new_secret(), "bob", totp.TotpParameters.from_settings())
    )
    assert query["issuer"] == ["Acme"]
    assert query["algorithm"] == ["SHA512"]
    assert "digits" not in query
    assert "period" not in query


NOW = 1_800_000_000  # a step boundary
NOW_STEP = NOW // 30


@pytest.mark.parametrize(
    ("offset", "found"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_matching_step_window_either_side(offset, found):
    secret, p = totp.new_secret(), params(window=1)
    code = totp.code_for_step(secret, NOW_STEP + offset, p)
    with time_machine.travel(NOW + 29, tick=False):  # the last second of the step
        assert totp.matching_step(secret, code, p) == (NOW_STEP + offset if found else None)


def test_matching_step_wider_window():
    secret, p = totp.new_secret(), params(window=3)
    code = totp.code_for_step(secret, NOW_STEP - 3, p)
    assert totp.matching_step(secret, code, p, for_time=NOW) == NOW_STEP - 3
    assert totp.matching_step(secret, code, params(window=0), for_time=NOW) is None


def test_matching_step_skips_used_steps():
    secret, p = totp.new_secret(), params()
    for step in (NOW_STEP - 1, NOW_STEP, NOW_STEP + 1):
        code = totp.code_for_step(secret, step, p)
        assert totp.matching_step(secret, code, p, for_time=NOW, after_step=step - 1) == step
        assert totp.matching_step(secret, code, p, for_time=NOW, after_step=step) is None
        assert totp.matching_step(secret, code, p, for_time=NOW, after_step=step + 5) is None


def test_matching_step_returns_the_latest_match():
    """If two steps in the window share a code, the later one is recorded, so neither can be
    replayed."""
    p = params(window=1500)  # 3001 six-digit codes: a repeat is all but certain
    secret = b32(random.Random(6238).randbytes(20))
    steps_of: dict[str, list[int]] = {}
    for step in range(NOW_STEP - 1500, NOW_STEP + 1501):
        steps_of.setdefault(totp.code_for_step(secret, step, p), []).append(step)
    code, steps = next((c, s) for c, s in steps_of.items() if len(s) > 1)
    early, late = steps[0], steps[-1]
    assert totp.matching_step(secret, code, p, for_time=NOW) == late
    assert totp.matching_step(secret, code, p, for_time=NOW, after_step=early) == late
    assert totp.matching_step(secret, code, p, for_time=NOW, after_step=late) is None


def test_matching_step_refuses_wrong_code():
    secret, p = totp.new_secret(), params()
    window = {totp.code_for_step(secret, NOW_STEP + d, p) for d in (-1, 0, 1)}
    wrong = next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in window)
    assert totp.matching_step(secret, wrong, p, for_time=NOW) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("123456", "123456"),
        ("123 456", "123456"),
        ("1 2 3 4 5 6", "123456"),
        ("012345", "012345"),
    ],
)
def test_parse_code_accepts_digits_and_inner_spaces(value, expected):
    assert totp.parse_code(value, 6) == expected


@pytest.mark.parametrize(
    "value",
    [
        "123\t456",
        "123\n456",
        "123-456",
        "١٢٣٤٥٦",
        "۱۲۳۴۵۶",
        "１２３４５６",
        "¹²³⁴⁵⁶",
        "12345",
        "1234567",
        "12345a",
        "abcdef",
        "",
        "      ",
        "+12345",
        "-12345",
        "12345.",
        "123\u00a0456",
    ],
)
def test_parse_code_refuses_anything_else(value):
    assert totp.parse_code(value, 6) is None


def test_parse_code_uses_the_given_length():
    assert totp.parse_code("12345678", 8) == "12345678"
    assert totp.parse_code("123456", 8) is None
    assert totp.parse_code("12345678", 6) is None
