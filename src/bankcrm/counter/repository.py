"""The counter's records in the store: sessions, verifications, transactions, confirmations.

Rows come back detached (``expire_on_commit=False``), read-only for the caller; every change
goes through a method here, one transaction each."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bankcrm.counter.audit import naive_utc
from bankcrm.store.db import session_factory
from bankcrm.store.models import (
    CounterConfirmation,
    CounterSession,
    CounterTransaction,
    CounterVerification,
)

T = TypeVar("T")


def new_id() -> str:
    return uuid.uuid4().hex


class CounterRepository:
    def __init__(self, engine: Engine) -> None:
        self._sessions = session_factory(engine)

    def _run(self, work: Callable[[Session], T]) -> T:
        with self._sessions.begin() as db:
            return work(db)

    def add(self, row: T) -> T:
        def work(db: Session) -> T:
            db.add(row)
            return row

        return self._run(work)

    def session(self, session_id: str) -> CounterSession | None:
        return self._run(lambda db: db.get(CounterSession, session_id))

    def active_sessions(self, teller: str) -> list[CounterSession]:
        query = select(CounterSession).where(
            CounterSession.teller == teller, CounterSession.ended_at.is_(None)
        )
        return self._run(lambda db: list(db.scalars(query)))

    def update_session(self, session_id: str, **values: object) -> None:
        values = {k: naive_utc(v) if isinstance(v, datetime) else v for k, v in values.items()}
        query = update(CounterSession).where(CounterSession.session_id == session_id)
        self._run(lambda db: db.execute(query.values(**values)))

    def verification(self, verification_id: str) -> CounterVerification | None:
        return self._run(lambda db: db.get(CounterVerification, verification_id))

    def latest_passed(self, session_id: str) -> CounterVerification | None:
        query = (
            select(CounterVerification)
            .where(
                CounterVerification.session_id == session_id,
                CounterVerification.outcome == "passed",
            )
            .order_by(CounterVerification.verified_at.desc())
            .limit(1)
        )
        return self._run(lambda db: db.scalars(query).first())

    def is_relied_on(self, verification_id: str) -> bool:
        query = select(CounterTransaction.transaction_id).where(
            CounterTransaction.verification_id == verification_id
        )
        return self._run(lambda db: db.scalars(query.limit(1)).first() is not None)

    def transactions(self, session_id: str) -> list[CounterTransaction]:
        query = (
            select(CounterTransaction)
            .where(CounterTransaction.session_id == session_id)
            .order_by(CounterTransaction.recorded_at, CounterTransaction.transaction_id)
        )
        return self._run(lambda db: list(db.scalars(query)))

    def confirm(
        self,
        session_id: str,
        transaction_ids: list[str],
        signature_ref: str,
        scope: str,
        at: datetime,
    ) -> CounterConfirmation:
        """One signature over the given transactions, all in one store transaction."""

        def work(db: Session) -> CounterConfirmation:
            row = CounterConfirmation(
                confirmation_id=new_id(),
                session_id=session_id,
                signature_ref=signature_ref,
                scope=scope,
                confirmed_at=naive_utc(at),
            )
            db.add(row)
            db.flush()
            db.execute(
                update(CounterTransaction)
                .where(CounterTransaction.transaction_id.in_(transaction_ids))
                .values(confirmation_id=row.confirmation_id)
            )
            return row

        return self._run(work)
