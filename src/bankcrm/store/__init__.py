"""The CRM's own transactional store (SQLAlchemy 2): SQLite by default, PostgreSQL in production."""
