"""Every policy outcome on both backends: types that ride on the cache, amounts over the large-
cash threshold, types that always need a fresh check and/or a supervisor, per-transaction
signatures; and the refusals that must name the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from bankcrm.counter.audit import EventKind, StoreCounterAudit
from bankcrm.counter.backends import CacheBackend
from bankcrm.counter.identity import SimulatedProvider
from bankcrm.counter.outcomes import Status
from bankcrm.counter.service import CounterService
from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.counter.errors import CounterError
from bankcrm.domain.counter.policy import LABELS_ZH, TxnType
from bankcrm.domain.counter.settings import CounterSettings
from tests.counter.conftest import MANAGER, TELLER, ZHANG, FakeClock, build_service
from tests.counter.test_clearing import T1, cached_visit

# Independent of DEFAULT_POLICY's code: the table as the process describes it.
RIDES_ON_CACHE = [
    ("deposit", Decimal("20000")),
    ("withdrawal", Decimal("50000.00")),  # at the threshold, not above it
    ("transfer", Decimal("1000")),
    ("statement", None),
    ("card_issue", None),
    ("wealth_purchase", None),
]
FRESH_ONLY = ["loss_report", "phone_change"]
FRESH_AND_SUPERVISOR = ["password_reset", "account_closure"]


@pytest.mark.parametrize(("txn_type", "amount"), RIDES_ON_CACHE)
def test_types_that_ride_on_the_cache(
    service: CounterService, txn_type: str, amount: Decimal | None
) -> None:
    session_id = cached_visit(service)
    outcome = service.transact(TELLER, session_id, T1, txn_type, amount)
    assert outcome.status is Status.RECORDED
    assert outcome.via_cache
    assert outcome.confirm_each == (txn_type == "wealth_purchase")


@pytest.mark.parametrize("txn_type", FRESH_ONLY)
def test_types_that_always_need_a_fresh_check(
    service: CounterService, audit: StoreCounterAudit, clock: FakeClock, txn_type: str
) -> None:
    session_id = cached_visit(service)
    outcome = service.transact(TELLER, session_id, T1, txn_type)
    assert outcome.status is Status.NEEDS_VERIFICATION
    assert outcome.reason is not None
    assert txn_type in outcome.reason
    refused = audit.events()[-1]
    assert (refused.event, refused.teller, refused.terminal_id, refused.customer_id) == (
        EventKind.REFUSED, "teller-a", T1, "C0001",
    )  # fmt: skip
    clock.advance(70)
    fresh = service.verify(TELLER, session_id, ZHANG, "sig-fresh")
    done = service.transact(
        TELLER, session_id, T1, txn_type, fresh_verification_id=fresh.verification_id
    )
    assert (done.status, done.via_cache, done.verification_id) == (
        Status.RECORDED, False, fresh.verification_id,
    )  # fmt: skip
    assert done.confirm_each  # a fresh-only type is signed on its own
    # The cache itself is untouched: the next ordinary transaction still rides on it.
    assert service.transact(TELLER, session_id, T1, "statement").via_cache


@pytest.mark.parametrize("txn_type", FRESH_AND_SUPERVISOR)
def test_types_that_need_a_supervisor_and_a_fresh_check(
    service: CounterService, txn_type: str
) -> None:
    session_id = cached_visit(service)
    alone = service.transact(TELLER, session_id, T1, txn_type)
    assert alone.status is Status.NEEDS_SUPERVISOR
    authorized = service.transact(TELLER, session_id, T1, txn_type, supervisor=MANAGER)
    assert authorized.status is Status.NEEDS_VERIFICATION
    fresh = service.verify(TELLER, session_id, ZHANG, "sig-fresh")
    done = service.transact(
        TELLER, session_id, T1, txn_type, fresh_verification_id=fresh.verification_id,
        supervisor=MANAGER,
    )  # fmt: skip
    assert done.status is Status.RECORDED
    stored = service.repository.transactions(session_id)[-1]
    assert (stored.supervisor, stored.via_cache) == ("manager", False)


def test_large_cash_withdrawal_needs_supervisor_and_fresh_check(service: CounterService) -> None:
    session_id = cached_visit(service)
    over = Decimal("50000.01")
    assert service.transact(TELLER, session_id, T1, "withdrawal", over).status is (
        Status.NEEDS_SUPERVISOR
    )
    outcome = service.transact(TELLER, session_id, T1, "withdrawal", over, supervisor=MANAGER)
    assert outcome.status is Status.NEEDS_VERIFICATION
    assert outcome.reason == "policy: withdrawal above 50000 yuan needs a fresh verification"


def test_large_transfer_needs_fresh_check_but_no_supervisor(service: CounterService) -> None:
    session_id = cached_visit(service)
    outcome = service.transact(TELLER, session_id, T1, "transfer", Decimal("80000"))
    assert outcome.status is Status.NEEDS_VERIFICATION


@pytest.mark.parametrize(
    "supervisor",
    [None, Actor("teller-b", Role.TELLER), Actor("teller-a", Role.BRANCH_MANAGER)],
    ids=["none", "a-teller", "oneself"],
)
def test_who_may_not_authorize(service: CounterService, supervisor: Actor | None) -> None:
    session_id = cached_visit(service)
    outcome = service.transact(TELLER, session_id, T1, "password_reset", supervisor=supervisor)
    assert outcome.status is Status.NEEDS_SUPERVISOR


def test_a_verification_already_relied_on_is_not_fresh(service: CounterService) -> None:
    session_id = cached_visit(service)
    fresh = service.verify(TELLER, session_id, ZHANG, "sig-fresh")
    service.transact(
        TELLER, session_id, T1, "loss_report", fresh_verification_id=fresh.verification_id
    )
    with pytest.raises(CounterError) as caught:
        service.transact(
            TELLER, session_id, T1, "phone_change", fresh_verification_id=fresh.verification_id
        )
    assert (caught.value.field, caught.value.status_code) == ("fresh_verification_id", 409)


@pytest.mark.parametrize(
    ("txn_type", "amount", "field", "words"),
    [
        ("teleport", None, "txn_type", "unknown transaction type"),
        ("withdrawal", None, "amount", "required for withdrawal"),
        ("deposit", Decimal("-5"), "amount", "must be positive"),
        ("statement", Decimal("5"), "amount", "takes no amount"),
    ],
)
def test_bad_input_names_the_field(
    service: CounterService, txn_type: str, amount: Decimal | None, field: str, words: str
) -> None:
    session_id = cached_visit(service)
    with pytest.raises(CounterError) as caught:
        service.transact(TELLER, session_id, T1, txn_type, amount)
    assert caught.value.field == field
    assert words in caught.value.reason


def test_every_type_has_a_chinese_label() -> None:
    assert set(LABELS_ZH) == set(TxnType)


def test_one_signature_for_the_visit_and_one_per_transaction_where_required(
    service: CounterService, clock: FakeClock
) -> None:
    session_id = cached_visit(service)
    ordinary = [service.transact(TELLER, session_id, T1, "deposit", Decimal(100))]
    clock.advance(30)
    ordinary.append(service.transact(TELLER, session_id, T1, "statement"))
    wealth = service.transact(TELLER, session_id, T1, "wealth_purchase")
    visit = service.confirm(TELLER, session_id, "sig-visit")
    assert visit.scope == "visit"
    with pytest.raises(CounterError, match="not yet confirmed"):
        service.end(TELLER, session_id)  # the wealth purchase still awaits its own signature
    own = service.confirm(TELLER, session_id, "sig-wealth", transaction_id=wealth.transaction_id)
    stored = {
        t.transaction_id: t.confirmation_id for t in service.repository.transactions(session_id)
    }
    assert stored == {
        ordinary[0].transaction_id: visit.confirmation_id,
        ordinary[1].transaction_id: visit.confirmation_id,
        wealth.transaction_id: own.confirmation_id,
    }
    service.end(TELLER, session_id)


def test_a_failed_check_cannot_be_cached(
    backend: CacheBackend, engine: Engine, settings: CounterSettings
) -> None:
    service = build_service(backend, engine, settings, provider=SimulatedProvider(mismatch_rate=1))
    session, verification = service.start_session(TELLER, ZHANG, T1, "sig-001")
    assert verification.outcome == "mismatch"
    with pytest.raises(CounterError) as caught:
        service.request_cache(TELLER, session.session_id, T1, ZHANG)
    assert (caught.value.field, caught.value.status_code) == ("session_id", 409)


def test_another_teller_cannot_use_the_visit(service: CounterService) -> None:
    session_id = cached_visit(service)
    with pytest.raises(CounterError) as caught:
        service.transact(Actor("teller-b", Role.TELLER), session_id, T1, "statement")
    # as if the visit did not exist: another teller's visits are out of scope, not forbidden
    assert caught.value.status_code == 404
