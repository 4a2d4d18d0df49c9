"""Contract tables of one chunk built from the generator's arrays (typed, contract order)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bankcrm.domain.contract import ACCOUNTS, ASSIGNMENTS, BALANCES, CHANNEL_ENROLLMENTS
from bankcrm.synth.accounts import AccountPlan
from bankcrm.synth.assignments import CONTACT_CHANNELS, Assignments
from bankcrm.synth.channels import CHANNELS, Enrollments
from bankcrm.synth.columns import dates, money, typed_table
from bankcrm.synth.customer_table import CUSTOMER_ID_DIGITS
from bankcrm.synth.customers import NEVER
from bankcrm.synth.products import Catalogue
from bankcrm.synth.timeline import Timeline
from bankcrm.synth.util import make_ids, pick

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ACCOUNT_ID_DIGITS = 12


def customer_ids(number: IntArray) -> pa.Array:
    """Customer ids of customer numbers (0-based)."""
    return make_ids("C", number + 1, CUSTOMER_ID_DIGITS)


def account_ids(first: int, count: int) -> pa.Array:
    """``count`` consecutive account ids starting at account number ``first`` (1-based)."""
    return make_ids("A", np.arange(first, first + count), ACCOUNT_ID_DIGITS)


def accounts_table(
    plan: AccountPlan, ids: pa.Array, customer_number: IntArray, catalogue: Catalogue
) -> pa.Table:
    """The accounts of a chunk (``plan`` rows in order, ids aligned)."""
    return typed_table(
        ACCOUNTS,
        {
            "account_id": ids,
            "customer_id": customer_ids(customer_number[plan.customer]),
            "product_code": pick(catalogue.code, plan.product),
            "opened_on": dates(plan.opened),
            "maturity_on": dates(plan.maturity, null=plan.maturity >= NEVER),
            "closed_on": dates(plan.closed, null=plan.closed >= NEVER),
            "currency": pick(catalogue.currency, plan.product),
        },
    )


def balances_table(
    ids: pa.Array, fen: IntArray, is_open: BoolArray, timeline: Timeline
) -> tuple[pa.Table, IntArray]:
    """One row per account per month-end while open, ordered by account then month.

    Also returns the account row of each balance row."""
    row, month = np.nonzero(is_open)
    table = typed_table(
        BALANCES,
        {
            "as_of": dates(timeline.month_ends[month]),
            "account_id": ids.take(pa.array(row)),
            "balance": money(fen[row, month]),
        },
    )
    return table, row


def enrollments_table(e: Enrollments, customer_number: IntArray) -> pa.Table:
    return typed_table(
        CHANNEL_ENROLLMENTS,
        {
            "customer_id": customer_ids(customer_number[e.customer]),
            "channel": pick([str(c) for c in CHANNELS], e.channel),
            "enrolled_on": dates(e.enrolled),
            "cancelled_on": dates(e.cancelled, null=e.cancelled >= NEVER),
        },
    )


def assignments_table(
    a: Assignments, customer_number: IntArray, employee_ids: pa.Array
) -> pa.Table:
    return typed_table(
        ASSIGNMENTS,
        {
            "customer_id": customer_ids(customer_number[a.customer]),
            "employee_id": employee_ids.take(pa.array(a.employee)),
            "start_on": dates(a.start),
            "end_on": dates(a.end, null=a.end >= NEVER),
        },
    )


def contacts_table(a: Assignments, customer_number: IntArray, employee_ids: pa.Array) -> pa.Table:
    """The RM contact log (``_truth/contacts.csv``) as text columns."""
    return pa.table(
        {
            "customer_id": customer_ids(customer_number[a.contact_customer]),
            "employee_id": employee_ids.take(pa.array(a.contact_employee)),
            "contacted_on": dates(a.contact_day).cast(pa.string()),
            "channel": pick(CONTACT_CHANNELS, a.contact_channel),
        }
    )
