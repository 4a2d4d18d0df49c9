"""Alembic environment: the engine comes from ``bankcrm.store.db.alembic_config``."""

from alembic import context

from bankcrm.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    context.run_migrations()
