"""``generate``: the whole synthetic extract, stage by stage, customers in chunks.

The small tables (branches, employees, products) and the customers are made first, for the
whole branch. Everything that grows with customers and months (accounts, balances,
transactions, enrollments, assignments, contacts) is then made for one chunk of customers at a
time and appended to its file, so a million customers with six years of monthly balances fit
in a few gigabytes. Each stage of each chunk draws from its own random stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bankcrm.domain.contract import TABLES
from bankcrm.synth import activity, events
from bankcrm.synth import ledger as tx
from bankcrm.synth.accounts import close_for_attrition, plan_accounts
from bankcrm.synth.assignments import make_assignments
from bankcrm.synth.balances import balance_matrix, simulate_paths
from bankcrm.synth.branches import Staff, branch_table, make_staff, serving_branches
from bankcrm.synth.channels import make_enrollments
from bankcrm.synth.chunk import Chunk
from bankcrm.synth.customer_table import customer_table
from bankcrm.synth.customers import CustomerFrame, make_customers
from bankcrm.synth.dirty import Injector
from bankcrm.synth.options import SynthOptions, SynthResult
from bankcrm.synth.products import IS_ASSET, Catalogue, catalogue, product_table
from bankcrm.synth.scenario import ScenarioParams
from bankcrm.synth.streams import stream
from bankcrm.synth.tables import (
    account_ids,
    accounts_table,
    assignments_table,
    balances_table,
    contacts_table,
    enrollments_table,
)
from bankcrm.synth.truth import CONTACT_COLUMNS, Truth
from bankcrm.synth.writer import CsvSink, TableSink

CHUNK_CUSTOMERS = 25_000  # customers per chunk: about 1.5 GB of working memory at most
Progress = Callable[[str, float], None]


@dataclass
class _Extract:
    """The open files of an extract, the dirty-row injector and the running counters."""

    sinks: dict[str, TableSink]
    injector: Injector
    contacts: CsvSink
    next_account: int = 1
    next_txn: int = 1

    @classmethod
    def open(cls, out: Path, options: SynthOptions) -> _Extract:
        truth = out / "_truth"
        truth.mkdir(parents=True, exist_ok=True)
        dirty = options.dirty > 0
        sinks = {n: TableSink(out, s, options.format, all_text=dirty) for n, s in TABLES.items()}
        injector = Injector(options.seed, options.dirty, options.timeline, truth / "defects.csv")
        return cls(sinks, injector, CsvSink(truth / "contacts.csv", CONTACT_COLUMNS))

    def write(
        self, name: str, table: pa.Table, context: dict[str, np.ndarray] | None = None
    ) -> None:
        """Append a typed table to its file, with bad rows injected in dirty mode."""
        sink = self.sinks[name]
        text = sink.prepare(table)
        if self.injector.active:
            text = self.injector.inject(sink, table, text, context or {})
        sink.write(text)

    def close(self) -> None:
        for sink in self.sinks.values():
            sink.close()
        self.contacts.close()
        self.injector.close()


@dataclass(frozen=True)
class _Run:
    """What every chunk of one generation shares."""

    options: SynthOptions
    params: ScenarioParams
    staff: Staff
    vocab: npt.NDArray[np.object_]
    catalogue: Catalogue = field(default_factory=catalogue)

    @property
    def employee_ids(self) -> pa.Array:
        return self.staff.table.column("employee_id").combine_chunks()


def generate(out: Path, options: SynthOptions, progress: Progress | None = None) -> SynthResult:
    """Write a synthetic extract of ``options`` into ``out`` (created if needed).

    ``progress(stage, fraction)`` is called as stages begin (fraction of the work done, 0..1).
    """
    began = time.perf_counter()
    report = progress or (lambda stage, fraction: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timeline, params, seed = options.timeline, ScenarioParams.named(options.scenario), options.seed
    report("客户 customers", 0.0)
    customers = make_customers(
        options.customers, timeline, params, stream(seed, "population"), stream(seed, "customers")
    )
    serving, _ = serving_branches()
    per_branch = np.bincount(np.searchsorted(serving, customers.branch), minlength=len(serving))
    staff = make_staff(per_branch, timeline, stream(seed, "employees"))
    run = _Run(options, params, staff, tx.vocabulary(stream(seed, "names")))
    truth = Truth(customers, timeline, params)
    extract = _Extract.open(out, options)
    try:
        extract.write("branches", branch_table())
        extract.write("employees", staff.table)
        extract.write("products", product_table())
        extract.write(
            "customers", customer_table(customers, timeline, stream(seed, "customers", 1))
        )
        starts = range(0, len(customers), CHUNK_CUSTOMERS)
        for i, lo in enumerate(starts):
            stage = f"账户、余额、交易 accounts, balances, transactions {i + 1}/{len(starts)}"
            report(stage, 0.05 + 0.9 * i / len(starts))
            _chunk(i, customers.slice(lo, lo + CHUNK_CUSTOMERS), run, extract, truth)
    finally:
        extract.close()
    report("真值 truth", 0.97)
    truth.write(out / "_truth" / "scenario.json", options)
    report("完成 done", 1.0)
    rows = {name: sink.rows for name, sink in extract.sinks.items()}
    return SynthResult(out, rows, time.perf_counter() - began, dict(extract.injector.counts))


def _chunk(i: int, c: CustomerFrame, run: _Run, extract: _Extract, truth: Truth) -> None:
    """Generate and write everything that belongs to chunk ``i`` of the customers."""
    seed, timeline, params, cat = run.options.seed, run.options.timeline, run.params, run.catalogue
    assigned = make_assignments(c, run.staff, timeline, stream(seed, "assignments", i))
    enrolled = make_enrollments(c, timeline, params, stream(seed, "channels", i))
    plan = plan_accounts(c, timeline, params, cat, stream(seed, "accounts", i))
    paths = simulate_paths(c, plan, assigned, timeline, params, stream(seed, "balances", i))
    plan = close_for_attrition(plan, paths.attrition_day)
    plan = plan.take(
        np.lexsort((plan.maturity, plan.product, ~plan.primary, plan.opened, plan.customer))
    )
    fen, is_open = balance_matrix(plan, paths, timeline, stream(seed, "balances", i, 1))
    ids = account_ids(extract.next_account, len(plan))
    extract.next_account += len(plan)
    employees = run.employee_ids
    extract.write("accounts", accounts_table(plan, ids, c.number, cat))
    extract.write("assignments", assignments_table(assigned, c.number, employees))
    extract.contacts.write(contacts_table(assigned, c.number, employees))
    extract.write("channel_enrollments", enrollments_table(enrolled, c.number))
    balances, row = balances_table(ids, fen, is_open, timeline)
    extract.write("balances", balances, {"asset": IS_ASSET[plan.type_code[row]]})
    del balances, row
    chunk = Chunk(c, plan, fen, paths, enrolled, timeline, params)
    ledger = tx.Ledger()
    rng = stream(seed, "activity", i)
    activity.everyday(chunk, ledger, rng)
    activity.batch(chunk, ledger, rng)
    events.account_events(chunk, ledger, rng)
    events.keep_valid(chunk, ledger)
    txns, posted = tx.transactions_table(ledger, ids, extract.next_txn, run.vocab, params)
    extract.next_txn += txns.num_rows
    extract.write("transactions", txns, {"account_opened": plan.opened[posted.account]})
    truth.add_chunk(chunk, assigned, posted, is_open)
