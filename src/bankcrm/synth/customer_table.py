"""The customers table: names, identity documents, contact data and profile columns.

Resident ID numbers are built from the same region, birth date and gender the row carries, so
GB 11643 decoding agrees with the other columns; corporate customers carry a GB 32100 unified
social credit code registered in their region and no gender or birth date.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bankcrm.domain.contract import CUSTOMERS
from bankcrm.domain.enums import CustomerType, IdType
from bankcrm.synth.branches import BRANCHES
from bankcrm.synth.columns import dates, typed_table
from bankcrm.synth.customers import NEVER, CustomerFrame
from bankcrm.synth.ids import credit_codes, fixed_lines, mobile_phones, resident_ids
from bankcrm.synth.names import company_names, person_names
from bankcrm.synth.timeline import DAYS_PER_YEAR, Timeline
from bankcrm.synth.util import make_ids, pick, scatter

CUSTOMER_ID_DIGITS = 10
# Individuals identified by another document than the resident ID (foreign residents etc.).
OTHER_ID_SHARE = 0.007
OTHER_ID_TYPES = (
    IdType.PASSPORT,
    IdType.HK_MACAU_PERMIT,
    IdType.TAIWAN_PERMIT,
    IdType.FOREIGN_PERMANENT_ID,
)
OTHER_ID_PREFIX = ("P", "H", "", "CHN")  # aligned with OTHER_ID_TYPES
OCCUPATIONS = (
    "学生", "企业职工", "个体工商户", "专业技术人员", "公务员", "事业单位职工", "农民",
    "私营企业主", "自由职业者", "无业", "退休人员",
)  # fmt: skip
# P(occupation) by age band (<23, 23-59, 60+), columns as OCCUPATIONS.
OCCUPATION_P = np.array(
    [
        [60, 25, 0, 0, 0, 0, 0, 0, 10, 5, 0],
        [0, 35, 15, 12, 5, 10, 10, 4, 6, 3, 0],
        [0, 0, 5, 0, 0, 0, 12, 0, 0, 8, 75],
    ],
    dtype=np.float64,
)
EDUCATION = ("小学及以下", "初中", "高中/中专", "大专", "本科", "研究生及以上")
# P(education) by birth cohort (<1960, 1960-79, 1980-89, 1990+).
EDUCATION_P = np.array(
    [[35, 35, 20, 6, 4, 0], [15, 35, 30, 12, 7, 1], [5, 25, 30, 20, 17, 3], [2, 15, 28, 25, 26, 4]],
    dtype=np.float64,
)
RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")
RISK_P = np.array([[10, 30, 35, 18, 7]], dtype=np.float64)


def categorical(
    rng: np.random.Generator, probabilities: npt.NDArray[np.float64], row: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """One category per element, drawn from the probability row ``row`` selects."""
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(row))[:, None]
    category = np.minimum((u >= cumulative[row]).sum(axis=1), probabilities.shape[1] - 1)
    return np.asarray(category, dtype=np.int64)


def _id_numbers(
    c: CustomerFrame,
    other: npt.NDArray[np.bool_],
    birth_ymd: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[pa.Array, pa.Array]:
    """(id_type, id_number): credit codes for companies, resident IDs for residents, and a
    passport or permit number for the few foreigners; each made only for its own rows."""
    n = len(c)
    company = np.flatnonzero(c.corporate)
    foreign = np.flatnonzero(other)
    resident = np.flatnonzero(~c.corporate & ~other)
    kind = rng.integers(0, len(OTHER_ID_TYPES), len(foreign))
    foreign_number = pc.binary_join_element_wise(
        pick(OTHER_ID_PREFIX, kind), make_ids("", rng.integers(0, 10**8, len(foreign)), 8), ""
    )
    number = scatter(
        [
            (company, credit_codes(c.region[company], rng)),
            (foreign, foreign_number),
            (
                resident,
                resident_ids(c.region[resident], birth_ymd[resident], c.male[resident], rng),
            ),
        ],
        n,
    )
    id_type = np.where(c.corporate, str(IdType.UNIFIED_SOCIAL_CREDIT_CODE), str(IdType.RESIDENT_ID))
    id_type = id_type.astype(object)
    id_type[foreign] = np.asarray([str(t) for t in OTHER_ID_TYPES], dtype=object)[kind]
    return pa.array(id_type, pa.string()), number


def customer_table(c: CustomerFrame, timeline: Timeline, rng: np.random.Generator) -> pa.Table:
    """The customers table (typed, contract order) for ``c``."""
    n = len(c)
    ind = ~c.corporate
    birth = np.where(ind, c.birth, 0)
    born = birth.astype("datetime64[D]")
    y = born.astype("datetime64[Y]").astype(np.int64) + 1970
    m = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (born - born.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    other = ind & (rng.random(n) < OTHER_ID_SHARE)
    id_type, id_number = _id_numbers(c, other, y * 10_000 + m * 100 + d, rng)
    last_day = np.minimum(c.exit, timeline.end_day)
    age = np.where(ind, (last_day - birth) / DAYS_PER_YEAR, 0.0)
    u = rng.random(n)
    fixed = np.where(ind, u < np.where(age > 70, 0.25, 0.03), u < 0.75)
    no_phone = ind & (rng.random(n) < np.where(age > 70, 0.10, 0.02))
    landline, mobile = np.flatnonzero(fixed), np.flatnonzero(~fixed)
    phone = scatter(
        [(landline, fixed_lines(rng, len(landline))), (mobile, mobile_phones(rng, len(mobile)))], n
    )
    occupation = categorical(rng, OCCUPATION_P, np.digitize(age, [23, 60]))
    cohort = np.digitize(y, [1960, 1980, 1990])
    education = categorical(rng, EDUCATION_P, cohort)
    risk = categorical(rng, RISK_P, np.zeros(n, np.int64))
    company, person = np.flatnonzero(c.corporate), np.flatnonzero(ind)
    names = scatter(
        [
            (company, company_names(rng, len(company))),
            (person, person_names(rng, c.male[person], y[person])),
        ],
        n,
    )
    closed = c.exit >= NEVER
    return typed_table(
        CUSTOMERS,
        {
            "customer_id": make_ids("C", c.number + 1, CUSTOMER_ID_DIGITS),
            "customer_type": pa.array(
                np.where(
                    c.corporate, str(CustomerType.CORPORATE), str(CustomerType.INDIVIDUAL)
                ).astype(object),
                pa.string(),
            ),
            "name": names,
            "id_type": id_type,
            "id_number": id_number,
            "gender": pa.array(
                np.where(c.male, "M", "F").astype(object), pa.string(), mask=c.corporate
            ),
            "birth_date": dates(birth, null=c.corporate),
            "phone": pc.if_else(pa.array(no_phone), pa.scalar(None, pa.string()), phone),
            "region_code": pa.array(c.region).cast(pa.string()),
            "occupation": pick(OCCUPATIONS, np.where(ind & (rng.random(n) > 0.1), occupation, -1)),
            "education": pick(EDUCATION, np.where(ind & (rng.random(n) > 0.12), education, -1)),
            "branch_id": pick([b[0] for b in BRANCHES], c.branch),
            "opened_on": dates(c.opened),
            "closed_on": dates(c.exit, null=closed),
            "marketing_consent": pa.array(rng.random(n) < np.where(ind, 0.85, 0.92)),
            "risk_level": pick(
                RISK_LEVELS, np.where(rng.random(n) < np.where(ind, 0.65, 0.5), risk, -1)
            ),
        },
    )
