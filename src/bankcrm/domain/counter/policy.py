"""Which counter transactions may rely on the cached verification, and which always need a
fresh verification, a supervisor's authorization or their own signature (the policy table)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bankcrm.domain.counter.errors import CounterError


class TxnType(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    TRANSFER = "transfer"
    STATEMENT = "statement"
    CARD_ISSUE = "card_issue"
    WEALTH_PURCHASE = "wealth_purchase"
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a transaction type)
    LOSS_REPORT = "loss_report"
    ACCOUNT_CLOSURE = "account_closure"
    PHONE_CHANGE = "phone_change"


LABELS_ZH: dict[TxnType, str] = {
    TxnType.DEPOSIT: "存款",
    TxnType.WITHDRAWAL: "取款",
    TxnType.TRANSFER: "转账汇款",
    TxnType.STATEMENT: "打印流水",
    TxnType.CARD_ISSUE: "开卡",
    TxnType.WEALTH_PURCHASE: "理财购买",
    TxnType.PASSWORD_RESET: "密码重置",
    TxnType.LOSS_REPORT: "挂失",
    TxnType.ACCOUNT_CLOSURE: "销户",
    TxnType.PHONE_CHANGE: "变更手机号",
}


class PolicyRule(BaseModel):
    """What one transaction type needs. Amount thresholds are in yuan and apply to amounts
    strictly above them (a 50 000.00 withdrawal still uses the cache at a 50 000 threshold)."""

    model_config = ConfigDict(extra="forbid")

    cache_allowed: bool = True
    fresh_above_yuan: Decimal | None = Field(default=None, ge=0)
    supervisor: bool = False
    supervisor_above_yuan: Decimal | None = Field(default=None, ge=0)
    confirm_each: bool = False  # the customer signs this transaction on its own


# Large cash (大额现金, 5 万元 and above under the PBOC rules) and the account-security changes
# are the cases the process names: they never ride on an earlier check.
LARGE_CASH = Decimal(50_000)
DEFAULT_POLICY: dict[TxnType, PolicyRule] = {
    TxnType.DEPOSIT: PolicyRule(),
    TxnType.WITHDRAWAL: PolicyRule(fresh_above_yuan=LARGE_CASH, supervisor_above_yuan=LARGE_CASH),
    TxnType.TRANSFER: PolicyRule(fresh_above_yuan=LARGE_CASH),
    TxnType.STATEMENT: PolicyRule(),
    TxnType.CARD_ISSUE: PolicyRule(),
    TxnType.WEALTH_PURCHASE: PolicyRule(confirm_each=True),  # risk disclosure is signed alone
    TxnType.PASSWORD_RESET: PolicyRule(cache_allowed=False, supervisor=True, confirm_each=True),
    TxnType.LOSS_REPORT: PolicyRule(cache_allowed=False, confirm_each=True),
    TxnType.ACCOUNT_CLOSURE: PolicyRule(cache_allowed=False, supervisor=True, confirm_each=True),
    TxnType.PHONE_CHANGE: PolicyRule(cache_allowed=False, confirm_each=True),
}
AMOUNT_TYPES = frozenset({TxnType.DEPOSIT, TxnType.WITHDRAWAL, TxnType.TRANSFER})


@dataclass(frozen=True)
class Requirement:
    """What a transaction needs before it may be recorded, and why (a reason for the teller)."""

    fresh_verification: bool
    supervisor: bool
    confirm_each: bool
    reason: str | None


def parse_txn_type(text: str) -> TxnType:
    try:
        return TxnType(text)
    except ValueError:
        known = ", ".join(t.value for t in TxnType)
        raise CounterError(
            "txn_type", f"unknown transaction type {text!r}; one of {known}"
        ) from None


def check_amount(txn_type: TxnType, amount: Decimal | None) -> None:
    """Cash and transfers carry an amount (yuan, positive); the others carry none."""
    if txn_type in AMOUNT_TYPES:
        if amount is None:
            raise CounterError("amount", f"required for {txn_type.value}")
        if amount <= 0:
            raise CounterError("amount", f"must be positive, got {amount}")
    elif amount is not None:
        raise CounterError("amount", f"{txn_type.value} takes no amount")


def requirement(
    policy: dict[TxnType, PolicyRule], txn_type: TxnType, amount: Decimal | None
) -> Requirement:
    """Apply the policy table to one transaction."""
    check_amount(txn_type, amount)
    rule = policy.get(txn_type)
    if rule is None:
        raise CounterError("txn_type", f"{txn_type.value} is not in the counter policy table")
    value = amount or Decimal(0)
    over_fresh = rule.fresh_above_yuan is not None and value > rule.fresh_above_yuan
    over_super = rule.supervisor_above_yuan is not None and value > rule.supervisor_above_yuan
    fresh = not rule.cache_allowed or over_fresh
    reason = None
    if not rule.cache_allowed:
        reason = f"policy: {txn_type.value} always needs a fresh verification"
    elif over_fresh:
        limit = rule.fresh_above_yuan
        reason = f"policy: {txn_type.value} above {limit} yuan needs a fresh verification"
    return Requirement(fresh, rule.supervisor or over_super, rule.confirm_each or fresh, reason)
