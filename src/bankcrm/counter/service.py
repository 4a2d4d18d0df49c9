"""The counter service: a visit (counter session) starts with a real identity check; the teller
may ask to cache it; later transactions of the visit rely on the cache where the policy allows,
or ask for a fresh check or a supervisor. Every step is audited with teller, terminal and
customer. The service never raises for a cache failure: it fails closed."""

from __future__ import annotations

from decimal import Decimal

from bankcrm.counter.audit import CacheEvent, CounterAudit, EventKind, naive_utc
from bankcrm.counter.backends import CacheBackend, CacheUnavailable, Clock, utc_now
from bankcrm.counter.cache import CacheEntry, Miss, VerificationCache, alert
from bankcrm.counter.identity import IdentityProvider, IdentityRequest, Outcome
from bankcrm.counter.outcomes import (
    CacheGrant,
    Status,
    TransactionOutcome,
    check_teller,
    supervises,
)
from bankcrm.counter.repository import CounterRepository, new_id
from bankcrm.domain.actor import Actor
from bankcrm.domain.counter.errors import CounterError
from bankcrm.domain.counter.policy import PolicyRule, TxnType, parse_txn_type, requirement
from bankcrm.domain.counter.settings import CounterSettings
from bankcrm.domain.money import yuan_to_fen
from bankcrm.store.models import (
    CounterConfirmation,
    CounterSession,
    CounterTransaction,
    CounterVerification,
)


class CounterService:
    def __init__(
        self,
        backend: CacheBackend,
        repository: CounterRepository,
        audit: CounterAudit,
        provider: IdentityProvider,
        settings: CounterSettings,
        clock: Clock = utc_now,
    ) -> None:
        self.cache = VerificationCache(backend, settings, clock)
        self.repository = repository
        self._audit = audit
        self._provider = provider
        self._settings = settings
        self._clock = clock

    # -- visits -------------------------------------------------------------------------

    def start_session(
        self,
        actor: Actor,
        identity: IdentityRequest,
        terminal_id: str,
        signature_ref: str | None,
        branch_id: str | None = None,
    ) -> tuple[CounterSession, CounterVerification]:
        """Open a visit with a real identity check; the teller's other visits end first
        (serving another customer clears their caches)."""
        check_teller(actor)
        for other in self.repository.active_sessions(actor.username):
            self._end(
                other,
                "another_customer" if other.customer_id != identity.customer_id else "new_visit",
            )
        session = self.repository.add(
            CounterSession(
                session_id=new_id(),
                customer_id=identity.customer_id,
                teller=actor.username,
                terminal_id=terminal_id,
                branch_id=branch_id or actor.branch_id,
                started_at=naive_utc(self._clock()),
            )
        )
        return session, self._verify(session, identity, signature_ref)

    def verify(
        self, actor: Actor, session_id: str, identity: IdentityRequest, signature_ref: str | None
    ) -> CounterVerification:
        """A fresh identity check within the visit (for a transaction the cache cannot serve)."""
        session = self._active(actor, session_id)
        if identity.customer_id != session.customer_id:
            raise CounterError("customer_id", "is not the customer of this visit")
        return self._verify(session, identity, signature_ref)

    def _verify(
        self, session: CounterSession, identity: IdentityRequest, signature_ref: str | None
    ) -> CounterVerification:
        result = self._provider.verify(identity)
        return self.repository.add(
            CounterVerification(
                verification_id=new_id(),
                session_id=session.session_id,
                outcome=result.outcome.value,
                photo_score=result.photo_score,
                signature_ref=signature_ref,
                provider_ref=result.provider_ref,
                verified_at=naive_utc(self._clock()),
            )
        )

    # -- the cache ----------------------------------------------------------------------

    def request_cache(
        self,
        actor: Actor,
        session_id: str,
        terminal_id: str,
        identity: IdentityRequest,
        consent: bool | None = None,
    ) -> CacheGrant:
        """The teller asks to cache the visit's passed verification (operator-initiated).

        Refused, not raised, when another terminal holds the customer or the cache is down."""
        session = self._active(actor, session_id)
        if identity.customer_id != session.customer_id:
            raise CounterError("customer_id", "is not the customer of this visit")
        if terminal_id != session.terminal_id:
            raise CounterError("terminal_id", "the visit was started at another terminal", 409)
        verification = self.repository.latest_passed(session_id)
        if verification is None:
            raise CounterError("session_id", "no passed identity verification to cache", 409)
        now = self.cache.now()
        entry = CacheEntry(
            session.session_id, verification.verification_id, session.customer_id,
            identity.name, identity.id_number, verification.signature_ref,
            session.teller, terminal_id, session.branch_id, now, now,
        )  # fmt: skip
        try:
            created = self.cache.create(entry)
            if not created and self.cache.holder(session.customer_id) == session_id:
                return CacheGrant(True, "already_cached")  # asked twice: nothing changes
        except CacheUnavailable as error:
            alert(error)
            self._event(EventKind.REFUSED, session, terminal_id, reason="cache_unavailable")
            return CacheGrant(False, "cache_unavailable")
        if not created:
            self._event(EventKind.REFUSED, session, terminal_id, reason="held_elsewhere")
            return CacheGrant(False, "held_elsewhere")
        self.repository.update_session(
            session_id, cache_requested_at=self._clock(), consent=consent,
            cache_cleared_at=None, cache_clear_reason=None,
        )  # fmt: skip
        self._event(EventKind.CREATED, session, terminal_id, reason=_consent(consent))
        return CacheGrant(True)

    # -- transactions -------------------------------------------------------------------

    def transact(
        self,
        actor: Actor,
        session_id: str,
        terminal_id: str,
        txn_type: str,
        amount: Decimal | None = None,
        fresh_verification_id: str | None = None,
        supervisor: Actor | None = None,
    ) -> TransactionOutcome:
        """Record a transaction relying on a fresh verification or, where the policy allows,
        on the cache; otherwise say what is needed."""
        session = self._active(actor, session_id)
        kind = parse_txn_type(txn_type)
        need = requirement(self._settings.policy, kind, amount)
        if need.supervisor and not supervises(supervisor, actor):
            reason = f"policy: {kind.value} needs a supervisor's authorization"
            self._event(EventKind.REFUSED, session, terminal_id, reason=reason)
            return TransactionOutcome(Status.NEEDS_SUPERVISOR, reason=reason)
        if fresh_verification_id is not None:
            verification = self._fresh(session, fresh_verification_id)
            return self._record(session, kind.value, amount, verification, False, need.confirm_each,
                                supervisor, terminal_id)  # fmt: skip
        if need.fresh_verification:
            self._event(EventKind.REFUSED, session, terminal_id, reason=need.reason)
            return TransactionOutcome(Status.NEEDS_VERIFICATION, reason=need.reason)
        use = self.cache.use(session.session_id, session.customer_id, terminal_id)
        if use.entry is None:
            assert use.miss is not None
            return self._missed(session, terminal_id, use.miss)
        return self._record(session, kind.value, amount, use.entry.verification_id, True,
                            need.confirm_each, supervisor, terminal_id)  # fmt: skip

    def _fresh(self, session: CounterSession, verification_id: str) -> str:
        verification = self.repository.verification(verification_id)
        if verification is None or verification.session_id != session.session_id:
            raise CounterError("fresh_verification_id", "not a verification of this visit", 404)
        if verification.outcome != Outcome.PASSED:
            raise CounterError("fresh_verification_id", f"verification {verification.outcome}")
        if self.repository.is_relied_on(verification_id):
            raise CounterError("fresh_verification_id", "already relied on: not fresh", 409)
        return verification_id

    def _missed(self, session: CounterSession, terminal_id: str, miss: Miss) -> TransactionOutcome:
        if miss is Miss.ABSENT and session.cache_requested_at and not session.cache_cleared_at:
            # The backend's own expiry removed it. Its TTL is the idle timeout capped at the
            # absolute limit, so the entry's age says which of the two it was.
            age = (naive_utc(self._clock()) - session.cache_requested_at).total_seconds()
            miss = Miss.ABSOLUTE if age >= self._settings.absolute_timeout_seconds else Miss.IDLE
        if miss in (Miss.IDLE, Miss.ABSOLUTE):
            self._cleared(session, terminal_id, EventKind.EXPIRED, miss.value)
        elif miss is Miss.TERMINAL_CHANGE:
            self._cleared(session, terminal_id, EventKind.ENDED, miss.value)
        else:
            self._event(EventKind.REFUSED, session, terminal_id, reason=f"cache {miss.value}")
        return TransactionOutcome(Status.NEEDS_VERIFICATION, reason=f"cache {miss.value}")

    def _record(
        self, session: CounterSession, txn_type: str, amount: Decimal | None,
        verification_id: str, via_cache: bool, confirm_each: bool,
        supervisor: Actor | None, terminal_id: str,
    ) -> TransactionOutcome:  # fmt: skip
        row = self.repository.add(
            CounterTransaction(
                transaction_id=new_id(), session_id=session.session_id, txn_type=txn_type,
                amount_fen=None if amount is None else yuan_to_fen(amount),
                verification_id=verification_id, via_cache=via_cache,
                supervisor=supervisor.username if supervisor else None,
                confirm_each=confirm_each, recorded_at=naive_utc(self._clock()),
            )
        )  # fmt: skip
        if via_cache:
            self._event(EventKind.USED, session, terminal_id, transaction_id=row.transaction_id)
        return TransactionOutcome(
            Status.RECORDED, row.transaction_id, verification_id, via_cache, confirm_each
        )

    # -- confirmation and the end of a visit --------------------------------------------

    def confirm(
        self, actor: Actor, session_id: str, signature_ref: str, transaction_id: str | None = None
    ) -> CounterConfirmation:
        """The customer signs: one transaction, or every unconfirmed one that the policy lets
        share a signature (those needing their own are left for per-transaction signing)."""
        self._active(actor, session_id)
        pending = [t for t in self.repository.transactions(session_id) if t.confirmation_id is None]
        if transaction_id is not None:
            chosen = [t.transaction_id for t in pending if t.transaction_id == transaction_id]
            scope = "transaction"
        else:
            chosen = [t.transaction_id for t in pending if not t.confirm_each]
            scope = "visit"
        if not chosen:
            raise CounterError("transaction_id", "nothing of this visit awaits that signature", 409)
        return self.repository.confirm(session_id, chosen, signature_ref, scope, self._clock())

    def end(self, actor: Actor, session_id: str) -> None:
        """The teller ends the visit: every transaction must be confirmed by the customer."""
        session = self._active(actor, session_id)
        open_ = [t for t in self.repository.transactions(session_id) if t.confirmation_id is None]
        if open_:
            raise CounterError(
                "session_id", f"{len(open_)} transaction(s) not yet confirmed by the customer", 409
            )
        self._end(session, "teller_ended")

    def logout(self, actor: Actor) -> int:
        """The teller logs out: every open visit of theirs ends and its cache is cleared."""
        check_teller(actor)
        sessions = self.repository.active_sessions(actor.username)
        for session in sessions:
            self._end(session, "logout")
        return len(sessions)

    def _end(self, session: CounterSession, reason: str) -> None:
        if session.cache_requested_at and not session.cache_cleared_at:
            self.cache.clear(session.session_id, session.customer_id)
            self._cleared(session, session.terminal_id, EventKind.ENDED, reason)
        self.repository.update_session(
            session.session_id, ended_at=self._clock(), end_reason=reason
        )

    # -- helpers ------------------------------------------------------------------------

    @property
    def policy(self) -> dict[TxnType, PolicyRule]:
        return self._settings.policy

    def check_session(self, actor: Actor, session_id: str) -> CounterSession:
        """The visit, if it exists and is this teller's, ended or not (else CounterError 404)."""
        check_teller(actor)
        session = self.repository.session(session_id)
        # Another teller's visit answers as if it did not exist: scope does not leak.
        if session is None or session.teller != actor.username:
            raise CounterError("session_id", f"no counter session {session_id}", 404)
        return session

    def _active(self, actor: Actor, session_id: str) -> CounterSession:
        session = self.check_session(actor, session_id)
        if session.ended_at is not None:
            raise CounterError("session_id", f"the visit has ended ({session.end_reason})", 409)
        return session

    def _cleared(
        self, session: CounterSession, terminal_id: str, kind: EventKind, why: str
    ) -> None:
        self.repository.update_session(
            session.session_id, cache_cleared_at=self._clock(), cache_clear_reason=why
        )
        session.cache_cleared_at = naive_utc(self._clock())
        self._event(kind, session, terminal_id, reason=why)

    def _event(
        self, kind: EventKind, session: CounterSession, terminal_id: str,
        reason: str | None = None, transaction_id: str | None = None,
    ) -> None:  # fmt: skip
        self._audit.record(
            CacheEvent(
                self._clock(), kind, session.teller, terminal_id, session.customer_id,
                session.session_id, transaction_id, reason,
            )
        )  # fmt: skip


def _consent(consent: bool | None) -> str:
    return {True: "consent given", False: "consent declined", None: "consent not asked"}[consent]
