"""The optional second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator
app, for the roles that hold the most power (admin, branch manager).

Enrolment is two steps, so that a login never demands codes its owner cannot produce: ``enrol``
stores the new secret as pending and returns it with its ``otpauth://`` URI (for a QR code);
``confirm`` checks one code from the app and only then turns the factor on. An enrolled factor
is replaced only after an administrator removes it (``remove``): a stolen session must not be
able to swap the second factor."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.errors import BadRequest, Forbidden
from bankcrm.security import audit
from bankcrm.security.policy import Permission, authorize
from bankcrm.security.users import PENDING_TOTP, get_user, totp_enabled
from bankcrm.store.models import User

ISSUER = "bankcrm"
MAY_ENROL = frozenset({Role.ADMIN, Role.BRANCH_MANAGER})
VALID_WINDOW = 1  # accept the previous and the next 30-second code too: clocks drift


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing into the app by hand
    uri: str  # otpauth://totp/bankcrm:<username>?secret=...&issuer=bankcrm (as a QR code)


def code_ok(secret: str, code: str) -> bool:
    """Whether ``code`` (six digits, spaces allowed) is valid for ``secret`` now."""
    code = code.replace(" ", "")
    return code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=VALID_WINDOW)


def _target(session: Session, actor: Actor, username: str | None) -> User:
    """The user whose factor changes: one's own, or anyone's for a user administrator."""
    if username is None or username == actor.username:
        return get_user(session, actor.username)
    authorize(actor, Permission.USER_ADMIN)
    return get_user(session, username)


def _may_have_factor(user: User) -> User:
    if Role(user.role) not in MAY_ENROL:
        raise Forbidden(f"a {user.role} login has no second factor (only admin, branch_manager)")
    return user


def enrol(session: Session, actor: Actor, username: str | None = None) -> Enrolment:
    """Start enrolling a second factor for the actor (or, for a user administrator such as
    the CLI operator, for ``username``)."""
    user = _may_have_factor(_target(session, actor, username))
    if totp_enabled(user):
        raise BadRequest("totp", "a second factor is already enrolled: an admin can remove it")
    secret = pyotp.random_base32()
    user.totp_secret = PENDING_TOTP + secret
    audit.record(session, actor, "auth.totp_enrol", entity="user", entity_id=user.username)
    session.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def confirm(session: Session, actor: Actor, code: str, username: str | None = None) -> None:
    """Turn the pending factor on, given a code the app shows for it."""
    user = _may_have_factor(_target(session, actor, username))
    pending = user.totp_secret
    if pending is None or not pending.startswith(PENDING_TOTP):
        raise BadRequest("totp", "no enrolment to confirm: enrol first")
    secret = pending.removeprefix(PENDING_TOTP)
    if not code_ok(secret, code):
        raise BadRequest("code", "the code is wrong: check the app and the phone's clock")
    user.totp_secret = secret
    user.version += 1
    audit.record(session, actor, "auth.totp_confirm", entity="user", entity_id=user.username)
    session.commit()


def remove(session: Session, actor: Actor, username: str) -> None:
    """Remove a user's second factor (a lost phone), so they can enrol again; admin only."""
    authorize(actor, Permission.USER_ADMIN)
    user = get_user(session, username)
    user.totp_secret = None
    user.version += 1
    audit.record(session, actor, "user.totp_remove", entity="user", entity_id=user.username)
    session.commit()
