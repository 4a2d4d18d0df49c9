"""The mask rules and who sees what in clear (pure, no I/O). Expected masks are written out by
hand from the rules in the issue: id_number keeps 6 + 4, phone 3 + 4, name the surname,
address the region up to the district or county."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bankcrm.domain.actor import SYSTEM, Actor, Role
from bankcrm.domain.errors import BadRequest
from bankcrm.security.masking import (
    COMPOUND_SURNAMES,
    Context,
    PersonalField,
    Shown,
    check_reason,
    clear_fields,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    profile_of,
)
from bankcrm.store.models import Customer

# GB 11643-1999's own example of a resident ID number (final check character X).
GB_EXAMPLE_ID = "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (GB_EXAMPLE_ID, "110105********002X"),
        ("110101199003071234", "110101********1234"),
        ("110105491231002", "110105*****1002"),  # a 15-character ID of the first generation
        (" 110101199003071234 ", "110101********1234"),  # stray spaces are not characters
        ("91110000600037341L", "911100********341L"),  # a unified social credit code
        ("11010519491231", "110105****1231"),  # 14: the shortest that still hides 4
        ("1101051949123", "*************"),  # 13: cannot hide 4 beside 6 + 4, all hidden
        ("12", "**"),
        ("", ""),
        ("   ", ""),
        (None, None),
    ],
)
def test_mask_id_number(value: str | None, expected: str | None) -> None:
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("010-12345678", "010*****5678"),  # a fixed line with its area code
        ("+8613812345678", "+86*******5678"),  # an international prefix hides more, not less
        ("1381234567", "**********"),  # 10 characters: all hidden
        ("5678", "****"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_phone(value: str | None, expected: str | None) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳修", "欧阳*"),
        ("诸葛孔明", "诸葛**"),
        ("司马迁", "司马*"),
        ("欧阳", "欧*"),  # two characters: surname 欧, given name 阳
        ("张", "*"),  # the surname would be the whole name
        (" 李四 ", "李*"),
        ("买买提·艾力", "买*****"),
        ("John Smith", "J*********"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_name(value: str | None, expected: str | None) -> None:
    assert mask_name(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("北京市朝阳区建国路88号", "北京市朝阳区******"),
        ("浙江省杭州市西湖区文三路1号", "浙江省杭州市西湖区*****"),
        ("上海市浦东新区世纪大道100号", "上海市浦东新区********"),
        ("江苏省苏州市昆山市前进中路8号", "江苏省苏州市昆山市******"),  # a county-level city
        ("吉林省延边朝鲜族自治州延吉市人民路", "吉林省延边朝鲜族自治州延吉市***"),
        ("内蒙古自治区呼和浩特市新城区", "内蒙古自治区呼和浩特市新城区"),  # all region
        ("广州市天河路商业区3号", "广州市********"),  # a street ending in 区 is no district
        ("建国路88号", "******"),  # no region: all hidden
        ("", ""),
        (None, None),
    ],
)
def test_mask_address(value: str | None, expected: str | None) -> None:
    assert mask_address(value) == expected


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_an_id_number_never_shows_its_middle(value: str) -> None:
    """For any 18-character ID the mask is the first 6, eight '*' and the last 4, so the
    hidden middle (the birth date) is not in it: the mask's digit runs are 6 and 4 long, and
    the middle is 8 characters without '*'."""
    masked = mask_id_number(value)
    assert masked == value[:6] + "********" + value[14:]
    assert value[6:14] not in (masked or "")


@given(st.text(max_size=40))
def test_ends_kept_or_everything_hidden(value: str) -> None:
    """For any text: the mask has the stripped text's length; either it keeps exactly the
    rule's ends and hides at least 4 characters between them, or it is all '*'."""
    text = value.strip()
    for mask, head, tail in ((mask_id_number, 6, 4), (mask_phone, 3, 4)):
        masked = mask(value) or ""
        assert len(masked) == len(text)
        if len(text) - head - tail >= 4:
            middle = masked[head : len(text) - tail]
            assert masked[:head] == text[:head]
            assert masked[len(text) - tail :] == text[len(text) - tail :]
            assert set(middle) == {"*"}
        else:
            assert set(masked) <= {"*"}


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@given(
    st.text(alphabet=CJK, min_size=2, max_size=6)
    | st.sampled_from(sorted(COMPOUND_SURNAMES)).flatmap(
        lambda s: st.text(alphabet=CJK, min_size=1, max_size=3).map(lambda g: s + g)
    )
)
def test_a_name_keeps_only_its_surname(name: str) -> None:
    """For any Han name of two or more characters: the first character (two for a compound
    surname in a name of three or more) is kept and every other one is '*'."""
    keep = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    masked = mask_name(name) or ""
    assert masked[:keep] == name[:keep]
    assert masked[keep:] == "*" * (len(name) - keep)


@given(st.text(max_size=40))
def test_an_address_shows_no_digit_and_only_a_prefix(value: str) -> None:
    """For any text: the mask is a prefix of the stripped address followed by '*' only, and
    shows no digit (house numbers, floors and rooms stay hidden)."""
    text = value.strip()
    masked = mask_address(value) or ""
    kept = masked.rstrip("*")
    assert len(masked) == len(text)
    assert text.startswith(kept)
    assert not any(ch.isdigit() for ch in kept)


def actor(role: Role) -> Actor:
    return Actor(username=f"u-{role.value}", role=role)


@pytest.mark.parametrize(
    ("role", "clear"),
    [
        (Role.RELATIONSHIP_MANAGER, {PersonalField.NAME}),
        (Role.BRANCH_MANAGER, {PersonalField.NAME}),
        (Role.ANALYST, set()),
        (Role.TELLER, set()),
        (Role.AUDITOR, set()),
        (Role.ADMIN, set()),
    ],
)
def test_who_sees_what_in_clear(role: Role, clear: set[PersonalField]) -> None:
    for context in (Context.VIEW, Context.LIST, Context.EXPORT):
        assert clear_fields(actor(role), context) == clear
    assert clear_fields(actor(role), Context.LOG) == frozenset()


def test_the_system_sees_everything_but_logs_nothing() -> None:
    assert clear_fields(SYSTEM, Context.VIEW) == set(PersonalField)
    assert clear_fields(SYSTEM, Context.LOG) == frozenset()


def _customer() -> Customer:
    return Customer(
        customer_id="C1",
        customer_type="individual",
        name="欧阳娜娜",
        id_type="resident_id",
        id_number=GB_EXAMPLE_ID,
        gender="F",
        birth_date=date(1949, 12, 31),
        phone="13812345678",
        region_code="110105",
        occupation=None,
        education=None,
        branch_id="B1",
        opened_on=date(2015, 1, 1),
        closed_on=None,
        marketing_consent=True,
        risk_level="R2",
    )


def test_a_profile_is_a_masked_copy_and_the_row_is_untouched() -> None:
    customer = _customer()
    rm = profile_of(customer, Shown.to(actor(Role.RELATIONSHIP_MANAGER), Context.VIEW))
    assert (rm.name, rm.id_number, rm.phone) == ("欧阳娜娜", "110105********002X", "138****5678")
    assert rm.masked == ("id_number", "phone")
    analyst = profile_of(customer, Shown.to(actor(Role.ANALYST), Context.VIEW))
    assert analyst.name == "欧阳**"
    assert analyst.masked == ("name", "id_number", "phone")
    assert (customer.name, customer.id_number, customer.phone) == (
        "欧阳娜娜",
        GB_EXAMPLE_ID,
        "13812345678",
    )
    system = profile_of(customer, Shown.to(SYSTEM, Context.VIEW))
    assert (system.id_number, system.masked) == (GB_EXAMPLE_ID, ())


@pytest.mark.parametrize("reason", [None, "", "   ", " abc ", "核实", "x" * 501])
def test_a_missing_short_or_long_reason_is_refused_naming_it(reason: str | None) -> None:
    with pytest.raises(BadRequest) as caught:
        check_reason(reason)
    assert caught.value.field == "reason"


def test_a_reason_of_four_characters_is_enough() -> None:
    assert check_reason("  核实身份  ") == "核实身份"
