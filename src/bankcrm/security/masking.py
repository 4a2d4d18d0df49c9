"""Masking (脱敏): which personal fields an actor sees in clear, the mask rules, and unmasking
with a stated reason.

The rules (the issue, and common practice of Chinese banks):

- id_number: the first 6 (the region) and the last 4 characters — 110101********1234;
- phone: the first 3 and the last 4 — 138****5678;
- name: the surname (compound surnames such as 欧阳 kept whole) — 张**, 欧阳*;
- address: the region up to the district or county — 北京市朝阳区*******.

Every rule shows at most what it says, and less when a value is too short to hide a useful
part (``MIN_HIDDEN``): such a value is masked whole. Masks keep the value's length, one ``*``
per hidden character. Masking works on copies (``Profile``): an ORM row is never changed, since
its session could write the mask back to the store."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum

from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.errors import BadRequest, Forbidden, NotFound
from bankcrm.security import audit
from bankcrm.security.policy import Permission, allowed
from bankcrm.security.scope import visible_customers
from bankcrm.store.models import Customer

MASK = "*"
MIN_HIDDEN = 4  # a value that cannot hide this many characters beside its kept ends: all hidden
MIN_REASON = 4  # characters of a stated reason, after stripping
MAX_REASON = 500

# Two-character surnames (复姓) still in use; a name of three or more characters starting with
# one keeps both characters. A two-character name is always surname + given name (欧阳 → 欧*).
_COMPOUND = (
    "欧阳司马诸葛上官东方皇甫尉迟公孙慕容长孙宇文司徒司空夏侯轩辕令狐钟离澹台公冶宗政"
    "濮阳淳于太叔申屠仲孙闻人赫连呼延端木西门南宫百里东郭独孤万俟拓跋乐正左丘"
    "谷梁公羊梁丘亓官司寇巫马漆雕颛孙羊舌微生"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND[i : i + 2] for i in range(0, len(_COMPOUND), 2))

# The administrative region at the start of a Chinese address: an optional province-level part,
# an optional prefecture-level part, then an optional county-level part. A name is 1–10
# characters with no level suffix, digit, or street word (路, 街, 号, ...) in it, so a street
# ending in 区 (…路商业区) is never taken for a district: when unsure, less is kept.
_NAME = r"[^省市区县旗\d\s路街道巷号弄楼室栋幢村]{1,10}?"
_REGION = re.compile(
    rf"^(?:{_NAME}(?:省|自治区|特别行政区))?"
    rf"(?:{_NAME}(?:市|自治州|地区|盟))?"
    rf"(?:{_NAME}(?:区|县|市|旗))?"
)


class PersonalField(StrEnum):
    """The fields that are masked unless the actor's role sees them in clear."""

    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    ADDRESS = "address"


class Context(StrEnum):
    """Where a value is shown: the rules differ between screens and logs."""

    VIEW = "view"  # one customer: the 360 view
    LIST = "list"  # lists: search hits, campaign members
    EXPORT = "export"  # files: segment exports
    LOG = "log"  # log lines: always masked, whoever acts


F = PersonalField
# Who serves the customer sees the name in clear; nobody sees identifiers in clear by default.
_CLEAR_BY_ROLE: dict[Role, frozenset[PersonalField]] = {
    Role.RELATIONSHIP_MANAGER: frozenset({F.NAME}),
    Role.BRANCH_MANAGER: frozenset({F.NAME}),
}


def clear_fields(actor: Actor, context: Context) -> frozenset[PersonalField]:
    """The personal fields ``actor`` sees in clear by default in ``context``: the system's
    batch jobs everything (they write the data-subject export, which is for the customer),
    an RM and a branch manager the name, everyone else nothing; in logs nobody anything."""
    if context is Context.LOG:
        return frozenset()
    if actor.unrestricted:
        return frozenset(PersonalField)
    return _CLEAR_BY_ROLE.get(actor.role, frozenset())


def _keep_ends(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    if hidden < MIN_HIDDEN:
        return MASK * len(value)
    return value[:head] + MASK * hidden + value[len(value) - tail :]


def mask_id_number(value: str | None) -> str | None:
    """110101199003071234 → 110101********1234; shorter than 14 characters: all masked."""
    if value is None:
        return None
    return _keep_ends(value.strip(), 6, 4)


def mask_phone(value: str | None) -> str | None:
    """13812345678 → 138****5678; shorter than 11 characters: all masked."""
    if value is None:
        return None
    return _keep_ends(value.strip(), 3, 4)


def surname_length(name: str) -> int:
    """How many leading characters of a name are the surname (1, or 2 for a compound one in a
    name of three or more characters)."""
    return 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1


def mask_name(value: str | None) -> str | None:
    """张三丰 → 张**, 欧阳修 → 欧阳*, 张三 → 张*; a one-character name (or any other text
    of one character) is masked whole, since its surname would be all of it."""
    if value is None:
        return None
    name = value.strip()
    if len(name) <= 1:
        return MASK * len(name)
    keep = surname_length(name)
    return name[:keep] + MASK * (len(name) - keep)


def address_region(value: str) -> str:
    """The region part at the start of an address (up to the county level), or ''."""
    found = _REGION.match(value)
    return found.group(0) if found else ""


def mask_address(value: str | None) -> str | None:
    """北京市朝阳区建国路88号 → 北京市朝阳区******; no recognisable region: all masked."""
    if value is None:
        return None
    text = value.strip()
    region = address_region(text)
    return region + MASK * (len(text) - len(region))


MASKERS = {
    F.NAME: mask_name,
    F.ID_NUMBER: mask_id_number,
    F.PHONE: mask_phone,
    F.ADDRESS: mask_address,
}


@dataclass(frozen=True)
class Shown:
    """How one actor sees personal values in one context: ``shown.name(v)`` is ``v`` in clear
    or masked. ``masked`` lists the fields it masks (for a screen's "show" button)."""

    clear: frozenset[PersonalField]

    @classmethod
    def to(cls, actor: Actor, context: Context) -> Shown:
        return cls(clear_fields(actor, context))

    @property
    def masked(self) -> tuple[str, ...]:
        return tuple(f.value for f in PersonalField if f not in self.clear)

    def field(self, which: PersonalField, value: str | None) -> str | None:
        return value if which in self.clear else MASKERS[which](value)

    def name(self, value: str | None) -> str | None:
        return self.field(F.NAME, value)

    def id_number(self, value: str | None) -> str | None:
        return self.field(F.ID_NUMBER, value)

    def phone(self, value: str | None) -> str | None:
        return self.field(F.PHONE, value)


@dataclass(frozen=True)
class Profile:
    """A customer's profile as one actor may see it (a copy; the ORM row is untouched)."""

    customer_id: str
    customer_type: str
    name: str
    id_type: str
    id_number: str
    gender: str | None
    birth_date: date | None
    phone: str | None
    region_code: str | None
    occupation: str | None
    education: str | None
    branch_id: str
    opened_on: date
    closed_on: date | None
    marketing_consent: bool
    risk_level: str | None
    masked: tuple[str, ...] = ()  # the fields shown masked


def profile_of(customer: Customer, shown: Shown) -> Profile:
    """The profile of ``customer`` with the fields ``shown`` does not clear masked."""
    values = {f.name: getattr(customer, f.name) for f in fields(Profile) if f.name != "masked"}
    values["name"] = shown.name(customer.name) or ""
    values["id_number"] = shown.id_number(customer.id_number) or ""
    values["phone"] = shown.phone(customer.phone)
    held = {F.NAME, F.ID_NUMBER, F.PHONE}  # the customer table has no address
    masked = tuple(f for f in shown.masked if PersonalField(f) in held)
    return Profile(**values, masked=masked)


# The fields of a customer that can be unmasked (the customer table holds no address).
UNMASKABLE = (F.NAME, F.ID_NUMBER, F.PHONE)


def check_reason(reason: str | None) -> str:
    """The stated reason, stripped; BadRequest naming ``reason`` when it is missing or short."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise BadRequest("reason", f"state a reason of at least {MIN_REASON} characters")
    if len(text) > MAX_REASON:
        raise BadRequest("reason", f"the reason is longer than {MAX_REASON} characters")
    return text


def unmask(
    session: Session,
    actor: Actor,
    customer_id: str,
    wanted: Iterable[PersonalField | str],
    reason: str | None,
) -> dict[str, str | None]:
    """The clear values of ``wanted`` fields of one customer (查看明文), for an actor whose
    role carries ``customer.unmask``, with a stated reason; audited as ``customer.unmask``
    with the fields and the reason (never the values). Refusals: 403 without the permission,
    400 for a missing or short reason or an unknown field, 404 out of scope; the 403 and 404
    are audited as denied."""
    if not allowed(actor, Permission.UNMASK):
        _denied(session, actor, customer_id, "customer.unmask", "permission")
        raise Forbidden(f"role {actor.role.value} may not do {Permission.UNMASK.value}")
    text = check_reason(reason)
    chosen = _fields(wanted)
    customer = session.scalars(
        visible_customers(actor).where(Customer.customer_id == customer_id)
    ).one_or_none()
    if customer is None:
        _denied(session, actor, customer_id, "customer.unmask", "scope")
        raise NotFound("customer", customer_id, field="customer_id")
    values = {f.value: getattr(customer, f.value) for f in chosen}
    audit.record_now(
        session,
        actor,
        "customer.unmask",
        entity="customer",
        entity_id=customer_id,
        customer_id=customer_id,
        detail={"fields": [f.value for f in chosen], "reason": text},
    )
    return values


def _fields(wanted: Iterable[PersonalField | str]) -> list[PersonalField]:
    chosen: list[PersonalField] = []
    for item in wanted:
        which = next((f for f in UNMASKABLE if f.value == item), None)
        if which is None:
            names = ", ".join(f.value for f in UNMASKABLE)
            raise BadRequest("fields", f"{item!r} cannot be unmasked: choose among {names}")
        if which not in chosen:
            chosen.append(which)
    if not chosen:
        raise BadRequest("fields", "name at least one field to unmask")
    return chosen


def _denied(session: Session, actor: Actor, customer_id: str, action: str, why: str) -> None:
    """A refused look at personal data leaves a trace too (repeated 404s hint at probing)."""
    audit.record_now(
        session,
        actor,
        action,
        entity="customer",
        entity_id=customer_id,
        customer_id=customer_id,
        outcome=audit.Outcome.DENIED,
        detail={"refused": why},
    )


def mask_query(text: str) -> str:
    """A search text as the audit trail keeps it: an ID number or phone masked like one, any
    other text with digits kept at its ends only, a name kept to its surname."""
    text = text.strip()
    digits = sum(ch.isdigit() for ch in text)
    if len(text) == 18 and digits >= 17:
        return mask_id_number(text) or ""
    if len(text) == 11 and digits == 11:
        return mask_phone(text) or ""
    if digits:
        return (
            text[:3] + "*" * max(len(text) - 5, 1) + text[-2:] if len(text) > 5 else "*" * len(text)
        )
    return mask_name(text) or ""
