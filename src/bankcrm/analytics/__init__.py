"""Customer-structure and change metrics (METRICS.md) as Ibis expressions over the warehouse.

Functions take ``Tables`` (the warehouse tables on one Ibis backend), a snapshot date or year
and a ``Scope``; they return Ibis tables and never open a connection: the engine (DuckDB or
Spark) is chosen at the edge.
"""
