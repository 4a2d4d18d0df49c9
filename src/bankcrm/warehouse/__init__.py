"""The warehouse: the bank's history as Parquet, scanned by DuckDB or Spark through Ibis."""

from bankcrm.warehouse.layout import DIMENSIONS, FACTS, Warehouse, WarehouseTransaction

__all__ = ["DIMENSIONS", "FACTS", "Warehouse", "WarehouseTransaction"]
