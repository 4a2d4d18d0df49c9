"""The counter settings (key, times, policy table), the identity-check simulator, and the
counter tables of migration 0005 on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, inspect

from bankcrm.counter.audit import StoreCounterAudit
from bankcrm.counter.backends import MemoryBackend
from bankcrm.counter.identity import Outcome, SimulatedProvider
from bankcrm.domain.counter.errors import CounterError
from bankcrm.domain.counter.policy import DEFAULT_POLICY, TxnType
from bankcrm.domain.counter.settings import DEV_AES_KEY, CounterSettings
from tests.counter.conftest import TELLER, ZHANG, FakeClock, build_service

KEY = base64.b64encode(bytes(range(32))).decode()


def test_defaults_are_five_and_thirty_minutes() -> None:
    settings = CounterSettings()
    assert (settings.idle_timeout_seconds, settings.absolute_timeout_seconds) == (300, 1800)


def test_a_configured_key_is_used() -> None:
    assert CounterSettings(aes_key=KEY).key_bytes() == bytes(range(32))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "words"),
    [("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "5 bytes")],
)
def test_a_bad_key_is_refused_naming_it(key: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CounterSettings(aes_key=key)  # type: ignore[arg-type]
    assert "aes_key" in str(caught.value)
    assert words in str(caught.value)


def test_the_development_key_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CounterSettings().key_bytes() == base64.b64decode(DEV_AES_KEY)
    monkeypatch.setenv("BANKCRM_ENV", "production")
    with pytest.raises(CounterError) as caught:
        CounterSettings().key_bytes()
    assert caught.value.field == "counter.aes_key"
    assert CounterSettings(aes_key=KEY).key_bytes() == bytes(range(32))  # type: ignore[arg-type]


def test_idle_longer_than_absolute_is_refused() -> None:
    with pytest.raises(ValidationError, match="idle_timeout_seconds must not exceed"):
        CounterSettings(idle_timeout_seconds=600, absolute_timeout_seconds=300)


def test_configuration_changes_only_the_rules_it_names() -> None:
    settings = CounterSettings.model_validate(
        {"policy": {"deposit": {"cache_allowed": False}, "withdrawal": {"supervisor": True}}}
    )
    assert settings.policy[TxnType.DEPOSIT].cache_allowed is False
    withdrawal = settings.policy[TxnType.WITHDRAWAL]
    assert withdrawal.supervisor is True
    assert withdrawal.fresh_above_yuan == Decimal(50_000)  # kept from the default rule
    assert settings.policy[TxnType.LOSS_REPORT] == DEFAULT_POLICY[TxnType.LOSS_REPORT]


def test_an_unknown_type_or_field_in_the_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match="teleport"):
        CounterSettings.model_validate({"policy": {"teleport": {}}})
    with pytest.raises(ValidationError, match="cache_alowed"):
        CounterSettings.model_validate({"policy": {"deposit": {"cache_alowed": False}}})


def test_simulator_is_reproducible_with_a_seed() -> None:
    def run() -> list[tuple[Outcome, float | None, str]]:
        provider = SimulatedProvider(failure_rate=0.2, mismatch_rate=0.2, seed=9)
        results = [provider.verify(ZHANG) for _ in range(50)]
        return [(r.outcome, r.photo_score, r.provider_ref) for r in results]

    assert run() == run()


def test_simulator_rates_and_scores() -> None:
    provider = SimulatedProvider(failure_rate=0.1, mismatch_rate=0.3, seed=3)
    results = [provider.verify(ZHANG) for _ in range(4000)]
    counts = {o: sum(r.outcome is o for r in results) for o in Outcome}
    # Binomial(4000, p): within 4 standard deviations of the expected count.
    for outcome, p in ((Outcome.UNAVAILABLE, 0.1), (Outcome.MISMATCH, 0.3), (Outcome.PASSED, 0.6)):
        assert abs(counts[outcome] - 4000 * p) < 4 * (4000 * p * (1 - p)) ** 0.5
    passed = [r.photo_score for r in results if r.outcome is Outcome.PASSED]
    mismatched = [r.photo_score for r in results if r.outcome is Outcome.MISMATCH]
    assert min(s for s in passed if s is not None) >= 0.85
    assert max(s for s in mismatched if s is not None) <= 0.6
    assert all(r.photo_score is None for r in results if r.outcome is Outcome.UNAVAILABLE)


def test_simulator_latency_goes_through_the_injected_sleep() -> None:
    slept: list[float] = []
    provider = SimulatedProvider(latency_seconds=1.5, sleep=slept.append)
    provider.verify(ZHANG)
    provider.verify(ZHANG)
    assert slept == [1.5, 1.5]


def test_simulator_refuses_impossible_rates() -> None:
    with pytest.raises(ValueError, match="sum to"):
        SimulatedProvider(failure_rate=0.6, mismatch_rate=0.6)


def test_migration_creates_the_counter_tables(store: Engine) -> None:
    tables = set(inspect(store).get_table_names())
    expected = {"sessions", "verifications", "transactions", "confirmations", "events"}
    assert {f"counter_{name}" for name in expected} <= tables
    columns = {c["name"] for c in inspect(store).get_columns("counter_transactions")}
    assert {"verification_id", "via_cache", "supervisor", "confirmation_id"} <= columns


def test_a_visit_round_trips_through_the_store(store: Engine) -> None:
    """The repository and audit on SQLite and PostgreSQL (memory backend, injected clock)."""
    clock = FakeClock()
    service = build_service(MemoryBackend(clock), store, CounterSettings(), clock)
    session, verification = service.start_session(TELLER, ZHANG, "T-01", "sig-1")
    assert service.request_cache(TELLER, session.session_id, "T-01", ZHANG).granted
    clock.advance(90)
    outcome = service.transact(TELLER, session.session_id, "T-01", "withdrawal", Decimal("1234.56"))
    service.confirm(TELLER, session.session_id, "sig-visit")
    service.end(TELLER, session.session_id)
    (row,) = service.repository.transactions(session.session_id)
    assert (row.amount_fen, row.verification_id, row.via_cache) == (
        123_456, verification.verification_id, True,
    )  # fmt: skip
    assert row.recorded_at == clock.now.replace(tzinfo=None)
    events = StoreCounterAudit(store).events(ZHANG.customer_id)
    assert [e.event.value for e in events] == ["created", "used", "ended"]
    assert events[1].transaction_id == outcome.transaction_id
    assert events[1].at == clock.now
