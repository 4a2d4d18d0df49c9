"""RM assignments (管户) with their history, and the RM contact log.

A customer worth looking after (most gold-and-above, almost every platinum-and-above, few
standard ones) is put in a relationship manager's book at some point before or during the
range and may be moved to another book of the branch now and then. A book passes to a new RM
when its holder leaves (``branches.Staff``), so the assignment history is the customer's book
history cut at the book's handovers.

Contacts (visits, calls, WeChat messages, branch meetings) are logged by the assigned RM at a
yearly rate set by the customer's wealth; neglected customers are contacted rarely. The
extract has no contacts table: the log goes to ``_truth/contacts.csv`` for the CRM to seed
from, and drives the planted high-value attrition (SCENARIO.md, 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.synth.branches import Staff
from bankcrm.synth.customers import NEVER, CustomerFrame
from bankcrm.synth.timeline import DAYS_PER_YEAR, Timeline
from bankcrm.synth.util import expand, group_starts

IntArray = npt.NDArray[np.int64]

TRANSFER_RATE = 0.06  # yearly probability a customer is moved to another book of the branch
CONTACT_CHANNELS = ("visit", "phone", "wechat", "branch_meeting")
CONTACT_CHANNEL_P = np.array([0.2, 0.45, 0.25, 0.1])
# Contacts a year by wealth band (<50k, 50k-500k, 500k+) for attended / neglected customers.
CONTACT_RATE = np.array([[0.3, 2.0, 10.0], [0.1, 0.2, 0.4]])


@dataclass(frozen=True)
class Assignments:
    """Assignment rows (chunk-local customer index) and the contact log."""

    customer: IntArray
    employee: IntArray  # index into the employees table
    start: IntArray  # day
    end: IntArray  # day; NEVER = open
    contact_customer: IntArray  # sorted by customer, then day
    contact_employee: IntArray
    contact_day: IntArray
    contact_channel: IntArray  # index into CONTACT_CHANNELS


def _book_segments(
    c: CustomerFrame, staff: Staff, timeline: Timeline, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(customer, book, from, to) of each stay of an assigned customer in one book."""
    n = len(c)
    p = np.select([c.wealth >= 500_000, c.wealth >= 50_000], [0.97, 0.8], 0.04)
    p = np.where(c.corporate, np.maximum(p, 0.9), p)
    assigned = (rng.random(n) < p) | c.protected
    begin = np.maximum(c.opened, timeline.start_day - rng.integers(0, 1500, n))
    stop = np.minimum(c.exit, timeline.end_day + 1)
    assigned &= begin < stop
    moves = rng.poisson(TRANSFER_RATE * (stop - begin).clip(0) / DAYS_PER_YEAR) * assigned
    customer, rank = expand(np.where(assigned, moves + 1, 0))
    cut = begin[customer] + (rng.random(len(customer)) * (stop - begin)[customer]).astype(np.int64)
    cut = np.where(rank == 0, begin[customer], cut)
    order = np.lexsort((cut, customer))
    customer, cut = customer[order], cut[order]
    first = group_starts(customer)
    last = np.r_[first[1:], True]
    seg_to = np.where(last, stop[customer], np.r_[cut[1:], 0])
    keep = seg_to > cut  # two moves on one day leave an empty stay: drop it
    customer, seg_from, seg_to = customer[keep], cut[keep], seg_to[keep]
    books_by_branch = [
        np.flatnonzero(staff.book_branch == b) for b in range(int(staff.book_branch.max()) + 1)
    ]
    n_books = np.array([len(b) for b in books_by_branch])[c.branch[customer]]
    offset = np.cumsum([0] + [len(b) for b in books_by_branch])[c.branch[customer]]
    flat = np.concatenate(books_by_branch)
    book = flat[offset + rng.integers(0, np.maximum(n_books, 1))]
    return customer, book, seg_from, seg_to


def make_assignments(
    c: CustomerFrame, staff: Staff, timeline: Timeline, rng: np.random.Generator
) -> Assignments:
    """Assignment history and contact log of a chunk of customers."""
    customer, book, seg_from, seg_to = _book_segments(c, staff, timeline, rng)
    # Cut every stay at the handovers of its book: join stays with the book's holders.
    holders_per_book = np.bincount(staff.tenure_book, minlength=int(book.max(initial=0)) + 1)
    tenure_order = np.argsort(staff.tenure_book, kind="stable")
    first_tenure = np.cumsum(holders_per_book) - holders_per_book
    stay, k = expand(holders_per_book[book])
    tenure = tenure_order[first_tenure[book[stay]] + k]
    start = np.maximum(seg_from[stay], staff.tenure_from[tenure])
    end = np.minimum(seg_to[stay], staff.tenure_to[tenure])
    keep = (end > start) & (end >= timeline.start_day)
    cust, employee, start, end = (
        customer[stay][keep],
        staff.tenure_employee[tenure][keep],
        start[keep],
        end[keep],
    )
    order = np.lexsort((start, cust))
    cust, employee, start, end = _merge(cust[order], employee[order], start[order], end[order])
    end = np.where(end > timeline.end_day, NEVER, end)
    return Assignments(
        cust, employee, start, end, *_contacts(c, cust, employee, start, end, timeline, rng)
    )


def _merge(
    cust: IntArray, employee: IntArray, start: IntArray, end: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Join back-to-back rows of one customer with the same RM (a move to a book that passed to
    the same person, or a move within one book), so every row is a change of RM."""
    same = np.r_[
        False, (cust[1:] == cust[:-1]) & (employee[1:] == employee[:-1]) & (start[1:] == end[:-1])
    ]
    head = np.flatnonzero(~same)
    tail = np.r_[head[1:], len(cust)] - 1
    return cust[head], employee[head], start[head], end[tail]


def _contacts(
    c: CustomerFrame,
    cust: IntArray,
    employee: IntArray,
    start: IntArray,
    end: IntArray,
    timeline: Timeline,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    lo = np.maximum(start, timeline.start_day)
    hi = np.minimum(end, timeline.end_day + 1)
    band = np.digitize(c.wealth[cust], [50_000, 500_000])
    rate = CONTACT_RATE[c.neglected[cust].astype(np.int64), band]
    count = rng.poisson(rate * np.maximum(hi - lo, 0) / DAYS_PER_YEAR)
    row, _ = expand(count)
    day = lo[row] + (rng.random(len(row)) * (hi - lo)[row]).astype(np.int64)
    channel = rng.choice(len(CONTACT_CHANNELS), len(row), p=CONTACT_CHANNEL_P)
    order = np.lexsort((day, cust[row]))
    return cust[row][order], employee[row][order], day[order], channel[order]


def last_contact_before(a: Assignments, customer: IntArray, day: IntArray) -> IntArray:
    """Day of each customer's last logged contact strictly before ``day`` (-NEVER if none)."""
    if not len(a.contact_day):
        return np.full(len(customer), -NEVER)
    key = a.contact_customer * NEVER * 4 + a.contact_day
    probe = customer * NEVER * 4 + day
    i = np.searchsorted(key, probe, side="left") - 1
    found = (i >= 0) & (a.contact_customer[np.maximum(i, 0)] == customer)
    return np.where(found, a.contact_day[np.maximum(i, 0)], -NEVER)
