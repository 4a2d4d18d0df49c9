"""Transactions under construction: parts from several generators, their vocabularies, and the
final assembly (third-party share, ordering, the transactions table).

Amounts are integer fen, signed as the contract says: + into the account, - out of it. Text
columns are codes into fixed vocabularies, turned into strings only when the table is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bankcrm.domain.contract import TRANSACTIONS
from bankcrm.domain.enums import CounterpartyType, TransactionChannel
from bankcrm.synth.columns import datetimes, money, typed_table
from bankcrm.synth.names import person_names
from bankcrm.synth.scenario import ScenarioParams
from bankcrm.synth.timeline import SECONDS_PER_DAY, year_of
from bankcrm.synth.util import make_ids, pick

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

CHANNELS = tuple(TransactionChannel)
COUNTER, ATM, INTERNET, MOBILE, THIRD_PARTY, POS, BATCH, OTHER_CHANNEL = range(len(CHANNELS))
COUNTERPARTIES = tuple(CounterpartyType)
OWN, SAME_BANK, OTHER_BANK, PAYMENT, SALARY, MERCHANT, GOVERNMENT, OTHER_PARTY = range(
    len(COUNTERPARTIES)
)
TXN_ID_DIGITS = 14

PAYMENT_COMPANIES = (
    "支付宝（中国）网络技术有限公司",
    "财付通支付科技有限公司",
    "网银在线（北京）科技有限公司",
    "平安付电子支付有限公司",
)
PAYMENT_P = np.array([0.55, 0.35, 0.06, 0.04])
MERCHANTS = (
    "新余华润万家超市", "新余沃尔玛购物广场", "中国石化新余石油分公司", "新余百货大楼",
    "新余万达广场", "苏宁易购新余店", "新余市人民医院", "新余市第四人民医院", "新余国际大酒店",
    "新余步步高超市",
)  # fmt: skip
UTILITIES = (
    "新余市自来水有限公司",
    "国网江西省电力有限公司新余供电分公司",
    "中国移动江西公司新余分公司",
    "新余市天然气有限公司",
)
EMPLOYERS = (
    "新余市钢城实业有限公司", "新余市财政局", "新余市第一中学", "新余学院",
    "江西新能光伏科技有限公司", "新余市人民医院", "新余市城市建设投资开发有限公司", "分宜县财政局",
)  # fmt: skip
PENSION_AGENCY = "新余市社会保险事业管理局"
FIXED_NAMES = PAYMENT_COMPANIES + MERCHANTS + UTILITIES + EMPLOYERS + (PENSION_AGENCY,)
PAYMENT_BASE = 0
MERCHANT_BASE = len(PAYMENT_COMPANIES)
UTILITY_BASE = MERCHANT_BASE + len(MERCHANTS)
EMPLOYER_BASE = UTILITY_BASE + len(UTILITIES)
PENSION_NAME = len(FIXED_NAMES) - 1
PERSON_BASE = len(FIXED_NAMES)
PEOPLE = 2_000  # person names used as transfer counterparties
MEMOS = (
    "消费", "ATM取款", "现金存入", "现金支取", "转账", "代缴费", "快捷支付", "提现", "代发工资",
    "养老金", "结息", "贷款还款", "信用卡还款", "开户存入", "购买", "自动转存", "到期", "赎回",
    "提前支取", "跨行转出", "转入余额宝", "销户",
)  # fmt: skip
MEMO = {memo: i for i, memo in enumerate(MEMOS)}


def vocabulary(rng: np.random.Generator) -> npt.NDArray[np.object_]:
    """Counterparty names: the fixed companies, then PEOPLE person names."""
    people = person_names(rng, rng.random(PEOPLE) < 0.5, rng.integers(1950, 2000, PEOPLE))
    return np.concatenate(
        [np.asarray(FIXED_NAMES, dtype=object), np.asarray(people.to_pylist(), dtype=object)]
    )


def person(rng: np.random.Generator, n: int) -> IntArray:
    """Codes of random person names."""
    return PERSON_BASE + rng.integers(0, PEOPLE, n)


@dataclass
class Ledger:
    """Columns of the transactions of one chunk, appended part by part."""

    parts: dict[str, list[npt.NDArray[np.generic]]] = field(default_factory=dict)

    def add(
        self,
        *,
        account: IntArray,
        day: IntArray,
        second: IntArray,
        amount: IntArray,
        channel: IntArray,
        counterparty: IntArray,
        name: IntArray,
        memo: IntArray,
        initiated: BoolArray,
        scaled: BoolArray | bool = False,
    ) -> None:
        """Append rows. ``scaled`` marks the everyday third-party payments whose amounts are
        scaled to the planted outflow share (``scale_payments``)."""
        n = len(account)
        columns = {
            "account": account,
            "day": day,
            "second": second,
            "amount": amount,
            "channel": channel,
            "counterparty": counterparty,
            "name": name,
            "memo": memo,
            "initiated": initiated,
            "scaled": scaled,
        }
        for key, value in columns.items():
            self.parts.setdefault(key, []).append(np.broadcast_to(np.asarray(value), (n,)).copy())

    def column(self, key: str) -> npt.NDArray[np.generic]:
        return np.concatenate(self.parts[key]) if key in self.parts else np.zeros(0, np.int64)


def scale_payments(
    amount: IntArray,
    day: IntArray,
    counterparty: IntArray,
    scaled: BoolArray,
    params: ScenarioParams,
) -> IntArray:
    """Scale the everyday third-party payments (outflows) of each year so that third-party
    outflows are the planted share of all outflows by amount (METRICS.md)."""
    year = year_of(day)
    out = -np.minimum(amount, 0)
    scaled_out = scaled & (amount < 0)
    result = amount.copy()
    for y in np.unique(year):  # a loop over years
        in_year = year == y
        fixed = out[in_year & ~scaled_out].sum()
        fixed_payment = out[in_year & ~scaled_out & (counterparty == PAYMENT)].sum()
        flexible = out[in_year & scaled_out].sum()
        share = params.outflow_share(int(y))
        target = max((share * fixed - fixed_payment) / (1 - share), 0.0)
        rows = in_year & scaled_out
        if flexible > 0:
            result[rows] = -np.maximum(np.rint(out[rows] * (target / flexible)), 1).astype(np.int64)
    return result


@dataclass(frozen=True)
class Posted:
    """The chunk's transactions as written, in file order, as integer columns."""

    account: IntArray  # row in the chunk's account plan
    day: IntArray
    amount: IntArray  # fen
    channel: IntArray
    counterparty: IntArray
    initiated: BoolArray


def transactions_table(
    ledger: Ledger,
    account_ids: pa.Array,
    first_txn: int,
    vocab: npt.NDArray[np.object_],
    params: ScenarioParams,
) -> tuple[pa.Table, Posted]:
    """The chunk's transactions ordered by account, then time, numbered from ``first_txn``."""
    account = ledger.column("account").astype(np.int64)
    day = ledger.column("day").astype(np.int64)
    second = ledger.column("second").astype(np.int64)
    counterparty = ledger.column("counterparty").astype(np.int64)
    amount = scale_payments(
        ledger.column("amount").astype(np.int64),
        day,
        counterparty,
        ledger.column("scaled").astype(bool),
        params,
    )
    order = np.lexsort((second, day, account))
    n = len(order)
    channel = ledger.column("channel").astype(np.int64)[order]
    initiated = ledger.column("initiated").astype(bool)[order]
    posted = Posted(
        account[order], day[order], amount[order], channel, counterparty[order], initiated
    )
    return typed_table(
        TRANSACTIONS,
        {
            "txn_id": make_ids("T", np.arange(first_txn, first_txn + n), TXN_ID_DIGITS),
            "account_id": account_ids.take(pa.array(account[order])),
            "booked_at": datetimes(day[order] * SECONDS_PER_DAY + second[order]),
            "amount": money(amount[order]),
            "channel": pick([str(c) for c in CHANNELS], channel),
            "counterparty_type": pick([str(c) for c in COUNTERPARTIES], counterparty[order]),
            "counterparty_name": pick(vocab, ledger.column("name").astype(np.int64)[order]),
            "memo": pick(MEMOS, ledger.column("memo").astype(np.int64)[order]),
            "customer_initiated": pa.array(initiated),
        },
    ), posted
