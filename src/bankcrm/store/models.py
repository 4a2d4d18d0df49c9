"""Tables of the store. Money is integer fen (分); codes are the contract's code names."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Identifiers and names are Text, not VARCHAR(n): the core system decides their lengths, and a
# limit here would turn one long value into a failed file on PostgreSQL.
CODE = String(40)  # contract enumerations only: validated before they reach the store


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Branch(Base):
    __tablename__ = "branches"

    branch_id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    # Deferred so a branch tree can arrive in any order within one file (PostgreSQL).
    parent_id: Mapped[str | None] = mapped_column(
        Text, ForeignKey("branches.branch_id", deferrable=True, initially="DEFERRED"), index=True
    )
    level: Mapped[str] = mapped_column(CODE)
    region_code: Mapped[str] = mapped_column(String(6))


class Employee(Base):
    __tablename__ = "employees"

    employee_id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.branch_id"), index=True)
    role: Mapped[str] = mapped_column(CODE)
    hired_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class Product(Base):
    __tablename__ = "products"

    product_code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    product_type: Mapped[str] = mapped_column(CODE)
    risk_level: Mapped[str | None] = mapped_column(String(2))


class Customer(Base):
    __tablename__ = "customers"

    customer_id: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_type: Mapped[str] = mapped_column(CODE)
    name: Mapped[str] = mapped_column(Text)
    id_type: Mapped[str] = mapped_column(CODE)
    id_number: Mapped[str] = mapped_column(Text, index=True)
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(6))
    occupation: Mapped[str | None] = mapped_column(Text)
    education: Mapped[str | None] = mapped_column(Text)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.branch_id"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    marketing_consent: Mapped[bool] = mapped_column(Boolean)
    risk_level: Mapped[str | None] = mapped_column(String(2))


class Account(Base):
    """An account, with its latest month-end balance as a summary for the customer-360 view."""

    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.product_code"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    maturity_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    balance_fen: Mapped[int | None] = mapped_column(BigInteger)
    balance_as_of: Mapped[date | None] = mapped_column(Date)


class Assignment(Base):
    """Which relationship manager looks after a customer (管户), with history."""

    __tablename__ = "assignments"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), primary_key=True)
    start_on: Mapped[date] = mapped_column(Date, primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.employee_id"), index=True)
    end_on: Mapped[date | None] = mapped_column(Date)


class ImportRun(Base):
    """One run of the importer: what it read, and its report (JSON)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(Text)
    operator: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # running, succeeded, failed
    report: Mapped[str | None] = mapped_column(Text)


class ImportChange(Base):
    """A column of a stored row that an import changed: who (which run) changed what."""

    __tablename__ = "import_changes"
    __table_args__ = (Index("ix_import_changes_table_key", "table_name", "row_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    row_key: Mapped[str] = mapped_column(String(200))
    column_name: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


# Contract table name → model, for the tables the store keeps.
STORE_TABLES: dict[str, type[Base]] = {
    "branches": Branch,
    "employees": Employee,
    "products": Product,
    "customers": Customer,
    "accounts": Account,
    "assignments": Assignment,
}


class CustomerScore(Base):
    """A model's latest output for a customer at a snapshot (``bankcrm score``), for the
    customer-360 view and segments: one row per customer, snapshot and model."""

    __tablename__ = "customer_scores"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    model: Mapped[str] = mapped_column(String(20), primary_key=True)  # churn, nbp, segments, ...
    score: Mapped[float | None] = mapped_column(Float)  # probability or value; None for a label
    label: Mapped[str | None] = mapped_column(Text)  # segment name, recommended product, ...
    reasons: Mapped[str | None] = mapped_column(Text)  # Chinese, "；"-separated
    detail: Mapped[str | None] = mapped_column(Text)  # every figure of the model, JSON
    model_version: Mapped[int | None] = mapped_column(Integer)


# --- CRM operations (issue 6, part A): search indexes, assignment history, contacts, needs ---

# Search (bankcrm.crm.search). On PostgreSQL this is a trigram GIN index (pg_trgm): it answers
# both the partial-name LIKE '%q%' of three or more characters (Chinese included) and the
# anchored LIKE 'q%' of a 1–2 character surname. On SQLite it is a plain B-tree on name, which
# serves the prefix GLOB 'q*'; partial names there use an FTS5 trigram index kept outside the
# models (bankcrm.crm.search_index), since Alembic cannot describe a virtual table.
Index(
    "ix_customers_name_trgm",
    Customer.name,
    postgresql_using="gin",
    postgresql_ops={"name": "gin_trgm_ops"},
)
Index("ix_customers_phone", Customer.phone)


class Handover(Base):
    """A bulk handover of one RM's book to another (离职移交): the audit record."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    from_employee_id: Mapped[str] = mapped_column(ForeignKey("employees.employee_id"), index=True)
    to_employee_id: Mapped[str] = mapped_column(ForeignKey("employees.employee_id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    customers: Mapped[int] = mapped_column(Integer)
    aum_fen: Mapped[int | None] = mapped_column(BigInteger)  # the book's AUM when handed over
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AssignmentEvent(Base):
    """Every change of a customer's RM made in the CRM (assign, reassign, handover), with who
    made it: the audit trail beside the ``assignments`` history itself."""

    __tablename__ = "assignment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    from_employee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.employee_id"))
    to_employee_id: Mapped[str] = mapped_column(ForeignKey("employees.employee_id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(CODE)  # assign, reassign, handover
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Contact(Base):
    """A contact with a customer (联系记录): a call, visit, message or branch meeting."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_contacts_employee_occurred", "employee_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"))
    employee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.employee_id"))
    channel: Mapped[str] = mapped_column(CODE)  # bankcrm.crm.contacts.ContactChannel
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(CODE)  # bankcrm.crm.contacts.ContactOutcome
    notes: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_on: Mapped[date | None] = mapped_column(Date)
    # The campaign this contact was made for; no foreign key because campaigns arrive in a
    # later migration (0004), which may add one.
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Need(Base):
    """A customer need an RM recorded (客户需求), from the needs catalogue, with its status."""

    __tablename__ = "needs"
    __table_args__ = (Index("ix_needs_code_status", "need_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    need_code: Mapped[str] = mapped_column(CODE)  # bankcrm.crm.needs_catalogue
    status: Mapped[str] = mapped_column(CODE)  # bankcrm.crm.needs.NeedStatus
    notes: Mapped[str | None] = mapped_column(Text)
    employee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.employee_id"))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Task(Base):
    """A piece of work for a relationship manager (任务): made by a task rule over the warehouse
    (``rule``) or by a campaign's distribution (``campaign_id``). ``employee_id`` is None for the
    outlet's queue when the outlet has no manager either."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)  # task rule name, or "campaign"
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    employee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.employee_id"), index=True)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.branch_id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # the evidence of the rule, JSON
    created_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # open, done, cancelled
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Idempotence on both databases: ``open_key`` (rule and customer) is set while the task is
    # open and cleared when it closes, so a unique index allows one open task per rule and
    # customer (NULLs never clash); ``run_key`` (rule, customer and day) stops a same-day re-run
    # from re-creating a task that was already closed that day.
    open_key: Mapped[str | None] = mapped_column(Text, unique=True)
    run_key: Mapped[str] = mapped_column(Text, unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class DoNotContact(Base):
    """A customer who asked not to be contacted for marketing (勿扰): campaigns exclude them."""

    __tablename__ = "do_not_contact"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), primary_key=True)
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)


class SavedSegment(Base):
    """A saved customer segment (客群): its JSON rule and the count and AUM of its last
    refresh."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text)  # the rule tree, JSON
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)
    refreshed_as_of: Mapped[date | None] = mapped_column(Date)  # the month-end evaluated
    customers: Mapped[int | None] = mapped_column(Integer)
    aum_fen: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Campaign(Base):
    """A marketing campaign (营销活动) from a segment: its design (control share and seed,
    exclusion window, conversion goal) is recorded so its results can be re-derived."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id"), index=True)
    rule: Mapped[str] = mapped_column(Text)  # the segment rule as evaluated, JSON
    as_of: Mapped[date] = mapped_column(Date)  # the month-end the segment was evaluated at
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    product_type: Mapped[str | None] = mapped_column(CODE)  # converted: this product opened
    goal_aum_fen: Mapped[int | None] = mapped_column(BigInteger)  # converted: AUM rose by this
    control_share: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    exclusion_days: Mapped[int] = mapped_column(Integer)
    cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CampaignMember(Base):
    """A customer of a campaign's segment: in the target or the control group, or excluded
    with the reason; with the outcome, recorded by the RM or detected from an extract."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), primary_key=True)
    group: Mapped[str] = mapped_column(String(20), index=True)  # target, control, excluded
    exclusion: Mapped[str | None] = mapped_column(String(40))  # no_consent, do_not_contact, ...
    tier: Mapped[str] = mapped_column(CODE)  # at the segment's month-end: the control stratum
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.branch_id"))
    employee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.employee_id"))
    baseline_aum_fen: Mapped[int] = mapped_column(BigInteger)
    latest_aum_fen: Mapped[int | None] = mapped_column(BigInteger)
    contacted: Mapped[bool] = mapped_column(Boolean, default=False)
    responded: Mapped[bool] = mapped_column(Boolean, default=False)
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    converted_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    outcome_source: Mapped[str | None] = mapped_column(String(20))  # rm, extract
    outcome_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)


# The counter's consecutive-business verification cache (issue 8). Times are naive UTC. The
# customer is not a foreign key: a walk-in customer may not be in the latest extract yet.
class CounterSession(Base):
    """One counter visit: a customer served by a teller at a terminal of a branch."""

    __tablename__ = "counter_sessions"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(Text, index=True)
    teller: Mapped[str] = mapped_column(String(100), index=True)
    terminal_id: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    cache_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    consent: Mapped[bool | None] = mapped_column(Boolean)  # the customer's consent, if asked
    cache_cleared_at: Mapped[datetime | None] = mapped_column(DateTime)
    cache_clear_reason: Mapped[str | None] = mapped_column(String(40))


class CounterVerification(Base):
    """An identity check (联网核查 and photo match) and the signature captured with it."""

    __tablename__ = "counter_verifications"

    verification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("counter_sessions.session_id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # passed, mismatch, unavailable
    photo_score: Mapped[float | None] = mapped_column(Float)
    signature_ref: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str] = mapped_column(Text)
    verified_at: Mapped[datetime] = mapped_column(DateTime)


class CounterTransaction(Base):
    """A transaction of the visit and the verification it relied on (cached or fresh)."""

    __tablename__ = "counter_transactions"

    transaction_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("counter_sessions.session_id"), index=True)
    txn_type: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    verification_id: Mapped[str] = mapped_column(
        ForeignKey("counter_verifications.verification_id"), index=True
    )
    via_cache: Mapped[bool] = mapped_column(Boolean)
    supervisor: Mapped[str | None] = mapped_column(String(100))
    confirm_each: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    confirmation_id: Mapped[str | None] = mapped_column(
        ForeignKey("counter_confirmations.confirmation_id"), index=True
    )


class CounterConfirmation(Base):
    """The customer's signature confirming one or several transactions of the visit."""

    __tablename__ = "counter_confirmations"

    confirmation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("counter_sessions.session_id"), index=True)
    signature_ref: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(20))  # visit, transaction
    confirmed_at: Mapped[datetime] = mapped_column(DateTime)


class CounterEvent(Base):
    """The cache's audit trail: created, used, refused, expired, ended (with who and where)."""

    __tablename__ = "counter_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    event: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    teller: Mapped[str] = mapped_column(String(100), index=True)
    terminal_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[str] = mapped_column(Text, index=True)
    session_id: Mapped[str | None] = mapped_column(String(36))
    transaction_id: Mapped[str | None] = mapped_column(String(36))


class CustomerSummary(Base):
    """Each customer's latest month-end figures and flags, copied from the warehouse after an
    import (bankcrm.crm.summary.refresh_summaries), so search can filter and sort by tier, AUM
    and flags with store indexes instead of scanning Parquet."""

    __tablename__ = "customer_summaries"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    aum_fen: Mapped[int] = mapped_column(BigInteger, index=True)
    loan_balance_fen: Mapped[int] = mapped_column(BigInteger)
    tier: Mapped[str] = mapped_column(CODE, index=True)
    dormant: Mapped[bool] = mapped_column(Boolean)
    maturity_soon: Mapped[bool] = mapped_column(Boolean)  # a product matures within the window
    large_outflow: Mapped[bool] = mapped_column(Boolean)  # outflow over the threshold, recently


# A tier's customers by AUM, largest first: a page of "gold, by AUM" is read, not sorted.
Index(
    "ix_customer_summaries_tier_aum",
    CustomerSummary.tier,
    CustomerSummary.aum_fen.desc(),
    CustomerSummary.customer_id,
)


class User(Base):
    """A login: a role, and for staff roles the employee of the extract it
    belongs to (scope follows the employee's book and branch)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(40))
    employee_id: Mapped[str | None] = mapped_column(ForeignKey("employees.employee_id"))
    branch_id: Mapped[str | None] = mapped_column(ForeignKey("branches.branch_id"))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(Text)  # None: no second factor enrolled
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class LoginFailure(Base):
    """A failed login; lockout counts the failures of a username within a time window."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    client: Mapped[str | None] = mapped_column(String(100))


class AuthSession(Base):
    """A bearer token (API) or a session cookie (web UI). Only the SHA-256 of the random
    token is kept, so a copy of the store grants no access; logout revokes the row."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # api, web
    csrf_token: Mapped[str | None] = mapped_column(String(64))  # web sessions only
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditRecord(Base):
    """The audit trail (审计日志): append-only and hash-chained. ``hash`` is the SHA-256 of the
    record's canonical content and ``prev_hash``, so editing or deleting any record breaks
    the chain from there on (``bankcrm audit verify``)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[str | None] = mapped_column(Text, index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # ok, denied, failed
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: reason, before/after, figures
    client: Mapped[str | None] = mapped_column(String(100))
    # Unique: two writers that read the same tip cannot both append, so the chain never forks.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
