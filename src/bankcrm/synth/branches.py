"""The branch tree of the Xinyu city branch and its staff, with staff turnover.

Tree: 总行 (head office) → 新余分行 (city branch) → 5 sub-branches → 4 outlets under them; the
nine sub-branches and outlets serve customers. Every position (an RM's book of customers, a
teller's window, a manager's desk) is held by a chain of employees over time: the first holder
was hired before the range, and each turnover event hands the position to a newly hired
employee on the same day, so a relationship manager's customers are reassigned, not orphaned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bankcrm.domain.enums import BranchLevel, EmployeeRole
from bankcrm.synth.names import person_names
from bankcrm.synth.timeline import Timeline, day_number
from bankcrm.synth.util import make_ids, pick, strictly_increasing

IntArray = npt.NDArray[np.int64]

# branch_id, name, parent_id, level, region_code, share of customers served
BRANCHES: tuple[tuple[str, str, str | None, BranchLevel, str, float], ...] = (
    ("B0001", "总行", None, BranchLevel.HEAD_OFFICE, "110102", 0.0),
    ("B0100", "新余分行", "B0001", BranchLevel.BRANCH, "360500", 0.0),
    ("B0101", "新余分行营业部", "B0100", BranchLevel.SUB_BRANCH, "360502", 0.22),
    ("B0102", "渝水支行", "B0100", BranchLevel.SUB_BRANCH, "360502", 0.15),
    ("B0103", "城北支行", "B0100", BranchLevel.SUB_BRANCH, "360502", 0.12),
    ("B0104", "仙女湖支行", "B0100", BranchLevel.SUB_BRANCH, "360502", 0.08),
    ("B0105", "分宜支行", "B0100", BranchLevel.SUB_BRANCH, "360521", 0.12),
    ("B0111", "胜利路分理处", "B0102", BranchLevel.OUTLET, "360502", 0.09),
    ("B0112", "劳动路分理处", "B0101", BranchLevel.OUTLET, "360502", 0.08),
    ("B0113", "仙来大道分理处", "B0103", BranchLevel.OUTLET, "360502", 0.07),
    ("B0114", "分宜城东分理处", "B0105", BranchLevel.OUTLET, "360521", 0.07),
)
CITY_BRANCH = 1  # index of 新余分行 in BRANCHES
CUSTOMERS_PER_RM = 800
CUSTOMERS_PER_TELLER = 1500
# Yearly probability that the holder of a position leaves and is replaced.
TURNOVER = {
    EmployeeRole.RELATIONSHIP_MANAGER: 0.12,
    EmployeeRole.TELLER: 0.08,
    EmployeeRole.BRANCH_MANAGER: 0.10,
    EmployeeRole.ANALYST: 0.10,
    EmployeeRole.ADMIN: 0.05,
}
FIRST_HIRE = day_number("1995-01-01")
EMPLOYEE_ID_DIGITS = 5


def branch_table() -> pa.Table:
    """The branches table (typed columns, contract order)."""
    ids, names, parents, levels, regions, _ = zip(*BRANCHES, strict=True)
    return pa.table(
        {
            "branch_id": pa.array(ids, pa.string()),
            "name": pa.array(names, pa.string()),
            "parent_id": pa.array(parents, pa.string()),
            "level": pa.array([str(level) for level in levels], pa.string()),
            "region_code": pa.array(regions, pa.string()),
        }
    )


def serving_branches() -> tuple[IntArray, npt.NDArray[np.float64]]:
    """Indexes into BRANCHES of the branches that serve customers, and their shares."""
    index = np.array([i for i, b in enumerate(BRANCHES) if b[5] > 0], dtype=np.int64)
    share = np.array([BRANCHES[i][5] for i in index])
    return index, share / share.sum()


@dataclass(frozen=True)
class Staff:
    """Employees and the RM positions ("books") customers are assigned to.

    ``rm_tenures``: one row per (book, holder) with the holder's employee index and the days
    [from, to) they held the book; ``to`` is a day past the range for the current holder.
    """

    table: pa.Table
    book_branch: IntArray  # branch index (into BRANCHES) of each RM book
    tenure_book: IntArray
    tenure_employee: IntArray
    tenure_from: IntArray
    tenure_to: IntArray


def _positions(customers_per_branch: IntArray) -> tuple[list[int], list[EmployeeRole]]:
    branch, role = [], []
    serving, _ = serving_branches()
    for b, count in zip(serving, customers_per_branch, strict=True):
        branch.append(int(b))
        role.append(EmployeeRole.BRANCH_MANAGER)
        for _ in range(min(12, max(2, round(count / CUSTOMERS_PER_TELLER)))):
            branch.append(int(b))
            role.append(EmployeeRole.TELLER)
        for _ in range(max(1, round(count / CUSTOMERS_PER_RM))):
            branch.append(int(b))
            role.append(EmployeeRole.RELATIONSHIP_MANAGER)
    city = [
        EmployeeRole.BRANCH_MANAGER,
        EmployeeRole.ANALYST,
        EmployeeRole.ADMIN,
        EmployeeRole.ADMIN,
    ]
    return branch + [CITY_BRANCH] * len(city), role + city


def make_staff(
    customers_per_branch: IntArray, timeline: Timeline, rng: np.random.Generator
) -> Staff:
    """Positions sized by the customers each branch serves, each held by a chain of employees.

    ``customers_per_branch`` is aligned with ``serving_branches()``.
    """
    pos_branch_list, pos_role_list = _positions(customers_per_branch)
    pos_branch = np.asarray(pos_branch_list, dtype=np.int64)
    roles = np.asarray([str(r) for r in pos_role_list], dtype=object)
    rate = np.asarray([TURNOVER[r] for r in pos_role_list])
    n_pos = len(pos_branch)
    years = timeline.n_months / 12
    changes = rng.poisson(rate * years)
    # Holder k of position p starts on the k-th sorted change day (k = 0: hired before the range).
    holder_pos = np.repeat(np.arange(n_pos), changes + 1)
    first = np.r_[0, np.cumsum(changes + 1)[:-1]]
    is_first = np.zeros(len(holder_pos), bool)
    is_first[first] = True
    change_day = rng.integers(timeline.start_day + 1, timeline.end_day - 5, len(holder_pos))
    start = np.where(
        is_first, rng.integers(FIRST_HIRE, timeline.start_day - 30, len(holder_pos)), change_day
    )
    order = np.lexsort((start, holder_pos))
    holder_pos, start = holder_pos[order], start[order]
    start = strictly_increasing(holder_pos, start)  # two changes on one day: the second waits
    last = np.r_[holder_pos[1:] != holder_pos[:-1], True]
    end = np.where(last, timeline.end_day + 1, np.r_[start[1:], 0])
    n = len(holder_pos)
    birth_year = rng.integers(1960, 1996, n)
    male = rng.random(n) < 0.45
    table = pa.table(
        {
            "employee_id": make_ids("E", np.arange(1, n + 1), EMPLOYEE_ID_DIGITS),
            "name": person_names(rng, male, birth_year),
            "branch_id": pick([b[0] for b in BRANCHES], pos_branch[holder_pos]),
            "role": pa.array(roles[holder_pos], pa.string()),
            "hired_on": pa.array(start.astype("datetime64[D]")),
            "left_on": pa.array(np.where(last, 0, end).astype("datetime64[D]"), mask=last),
        }
    )
    is_rm = roles == str(EmployeeRole.RELATIONSHIP_MANAGER)
    rm_positions = np.flatnonzero(is_rm)
    book_of_position = np.full(n_pos, -1)
    book_of_position[rm_positions] = np.arange(len(rm_positions))
    rm_holder = is_rm[holder_pos]
    return Staff(
        table=table,
        book_branch=pos_branch[rm_positions],
        tenure_book=book_of_position[holder_pos[rm_holder]],
        tenure_employee=np.flatnonzero(rm_holder),
        tenure_from=start[rm_holder],
        tenure_to=end[rm_holder],
    )
