"""Password hashing (Argon2id through pwdlib) and the password policy."""

from __future__ import annotations

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from bankcrm.domain.errors import BadRequest
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.passwords import (
    MAX_LENGTH,
    check_password,
    hash_password,
    policy_problems,
    random_password,
    verify_password,
)

SETTINGS = SecuritySettings()  # minimum length 10


def test_hash_is_salted_argon2id_and_verifies_only_the_password() -> None:
    first, second = hash_password("Tr1cky-Horse"), hash_password("Tr1cky-Horse")
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert "Tr1cky-Horse" not in first
    assert verify_password("Tr1cky-Horse", first) == (True, None)
    assert verify_password("tr1cky-horse", first)[0] is False


def test_a_stored_value_that_is_no_hash_matches_nothing() -> None:
    assert verify_password("!", "!") == (False, None)
    assert verify_password("", "") == (False, None)


def test_a_hash_with_weaker_parameters_is_upgraded_on_verification() -> None:
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    old = weak.hash("Tr1cky-Horse")
    ok, new = verify_password("Tr1cky-Horse", old)
    assert ok
    assert new is not None
    assert new != old
    assert "m=65536" in new  # today's parameters (argon2-cffi's defaults, RFC 9106 low-memory)
    assert verify_password("Tr1cky-Horse", new) == (True, None)


@pytest.mark.parametrize(
    ("password", "username", "expected"),
    [
        ("Sh0rt!", "zhangwei", ["use at least 10 characters (this has 6)"]),
        (
            "alllowercaseletters",
            "zhangwei",
            [
                "mix at least 3 of: lower-case letters, upper-case letters, digits, "
                "other characters (this has 1)"
            ],
        ),
        (
            "Abcdefghijk",
            "zhangwei",
            [
                "mix at least 3 of: lower-case letters, upper-case letters, digits, "
                "other characters (this has 2)"
            ],
        ),
        ("Zhangwei-2020", "zhangwei", ["do not include the username"]),
        ("Password123!", "zhangwei", ["this is a well-known password: choose another"]),
        (
            "woaini1314520",
            "zhangwei",
            [
                "mix at least 3 of: lower-case letters, upper-case letters, digits, "
                "other characters (this has 2)",
                "this is a well-known password: choose another",
            ],
        ),
        ("客户经理-Rm2020", "zhangwei", []),  # Chinese characters count as "other"
        ("Tr1cky-Horse", "zhangwei", []),
    ],
)
def test_policy_says_what_to_change(password: str, username: str, expected: list[str]) -> None:
    assert policy_problems(password, username, SETTINGS) == expected


def test_too_long_is_refused_before_hashing() -> None:
    assert policy_problems("Aa1-" * 40, "x", SETTINGS) == [f"use at most {MAX_LENGTH} characters"]


def test_check_password_names_the_field() -> None:
    with pytest.raises(BadRequest) as caught:
        check_password("short", "zhangwei", SETTINGS, field="new_password")
    assert caught.value.field == "new_password"
    assert "use at least 10 characters" in caught.value.reason
    check_password("Tr1cky-Horse", "zhangwei", SETTINGS)  # acceptable: no error


def test_the_minimum_length_follows_the_setting() -> None:
    strict = SecuritySettings(password_min_length=20)
    assert policy_problems("Tr1cky-Horse-2020", "x", strict) == [
        "use at least 20 characters (this has 17)"
    ]
    assert len(random_password(strict)) == 20


def test_random_passwords_meet_the_policy_and_differ() -> None:
    made = {random_password(SETTINGS) for _ in range(300)}
    assert len(made) == 300
    for password in made:
        assert len(password) == 16
        assert policy_problems(password, "admin", SETTINGS) == []
        assert password[0].isalnum()
        assert password[-1].isalnum()
        assert not set(password) & set("0O1lI")  # nothing to misread from a screen
