"""The SQLite full-text index of customer names (FTS5, trigram tokenizer).

Alembic cannot describe a virtual table, so the index lives outside the migrations: an
external-content FTS5 table over ``customers`` kept current by triggers, created (and filled
once) by ``ensure_search_index``, which the app and the CLI call at start-up. It is idempotent
and also restores the triggers if a batch migration that copied ``customers`` dropped them.
PostgreSQL needs none of this: its trigram GIN index is an ordinary index in the migrations."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

FTS_TABLE = "customer_search"

_CREATE_TABLE = f"""
CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
    name, content='customers', content_rowid='rowid', tokenize='trigram')
"""
_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"""
CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON customers BEGIN
  INSERT INTO {FTS_TABLE}(rowid, name) VALUES (new.rowid, new.name);
END""",
    f"{FTS_TABLE}_ad": f"""
CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON customers BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name) VALUES ('delete', old.rowid, old.name);
END""",
    f"{FTS_TABLE}_au": f"""
CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF name ON customers BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, name) VALUES ('delete', old.rowid, old.name);
  INSERT INTO {FTS_TABLE}(rowid, name) VALUES (new.rowid, new.name);
END""",
}


def ensure_search_index(engine: Engine) -> bool:
    """Create the SQLite name index and its triggers if missing; True if it was (re)built.
    A no-op on other databases."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.begin() as conn:
        existing = _objects(conn)
        built = FTS_TABLE not in existing
        if built:
            conn.execute(text(_CREATE_TABLE))
        for name, ddl in _TRIGGERS.items():
            if name not in existing:
                conn.execute(text(ddl))
                built = True  # writes while a trigger was missing are not in the index
        if built:
            conn.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
    return built


def fts_phrase(query: str) -> str:
    """A user's text as one FTS5 phrase (quotes doubled), so no character is FTS syntax."""
    return '"' + query.replace('"', '""') + '"'


def _objects(conn: Connection) -> set[str]:
    rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"))
    return {row[0] for row in rows}
