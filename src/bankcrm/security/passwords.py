"""Passwords: Argon2id hashes (pwdlib) and the password policy.

The policy follows common guidance for staff systems: a minimum length
(``security.password_min_length``), at least three of four character classes, not the username,
not a well-known password. Every refusal says what to change, so a member of staff can act on
it. Only hashes are stored; a password is never logged or audited."""

from __future__ import annotations

import secrets
from functools import cache

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

from bankcrm.domain.errors import BadRequest
from bankcrm.domain.security_settings import SecuritySettings

MAX_LENGTH = 128  # longer inputs are refused before hashing: Argon2 of megabytes is a DoS lever
MIN_CLASSES = 3
# Well-known passwords that meet the length rule, from public breach lists (including the
# pinyin and keyboard patterns common in China); shorter ones already fail on length.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "a123456789",
        "a1234567890",
        "aa123456789",
        "abc1234567",
        "abcd123456",
        "abcd1234567",
        "qwertyuiop",
        "qwerty123456",
        "1qaz2wsx3edc",
        "1q2w3e4r5t",
        "zaq12wsxcde",
        "password123",
        "password1234",
        "password123!",
        "p@ssw0rd123",
        "p@ssword123",
        "passw0rd123",
        "admin123456",
        "admin@123456",
        "iloveyou123",
        "woaini1314",
        "woaini1314520",
        "woaini520520",
        "5201314520",
        "1314520520",
        "asdfghjkl123",
        "qazwsxedcrfv",
        "bankcrm123",
        "bankcrm2020",
        "changeme123",
        "welcome123",
        "welcome@123",
    }
)
# Generated passwords avoid characters people misread when they copy them from a screen.
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_OTHER = "-_.!#%+="

_hasher = PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (a PHC string with its own salt and parameters)."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``password_hash``, and a new hash when the stored one was
    made with parameters weaker than today's (the caller stores it). A stored value that is no
    hash at all (a login that may not use a password, e.g. ``!``) matches nothing."""
    try:
        return _hasher.verify_and_update(password, password_hash)
    except UnknownHashError:
        burn_time(password)  # as long as a real verification
        return False, None


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    """Spend the time one verification takes, for an unknown username, so that the answer's
    timing does not tell which usernames exist."""
    _hasher.verify(password, _dummy_hash())


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digits and other characters ``password`` uses."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not (c.isalpha() or c.isdigit()) or not c.isascii() for c in password),
        )
    )


def policy_problems(password: str, username: str, settings: SecuritySettings) -> list[str]:
    """What is wrong with ``password`` for ``username``, each as an instruction; empty when it
    is acceptable."""
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(
            f"use at least {settings.password_min_length} characters (this has {len(password)})"
        )
    if len(password) > MAX_LENGTH:
        problems.append(f"use at most {MAX_LENGTH} characters")
    if (classes := character_classes(password)) < MIN_CLASSES:
        problems.append(
            f"mix at least {MIN_CLASSES} of: lower-case letters, upper-case letters, digits, "
            f"other characters (this has {classes})"
        )
    if len(username) >= 3 and username.lower() in password.lower():
        problems.append("do not include the username")
    if password.lower() in COMMON_PASSWORDS:
        problems.append("this is a well-known password: choose another")
    return problems


def check_password(
    password: str, username: str, settings: SecuritySettings, field: str = "password"
) -> None:
    """BadRequest naming ``field`` and every problem, unless ``password`` meets the policy."""
    problems = policy_problems(password, username, settings)
    if problems:
        raise BadRequest(field, "; ".join(problems))


def random_password(settings: SecuritySettings | None = None) -> str:
    """A random password that meets the policy (for the bootstrap admin and resets): at least
    16 characters from every class, about 95 bits of entropy."""
    length = max(16, (settings or SecuritySettings()).password_min_length)
    alphabet = _LOWER + _UPPER + _DIGITS + _OTHER
    rng = secrets.SystemRandom()
    while True:
        chars = [rng.choice(group) for group in (_LOWER, _UPPER, _DIGITS, _OTHER)]
        chars += [rng.choice(alphabet) for _ in range(length - len(chars))]
        rng.shuffle(chars)
        password = "".join(chars)
        # The other characters must not start or end it: people lose them when copying.
        if password[0].isalnum() and password[-1].isalnum():
            return password
