"""Importing a core-banking extract: read each file, validate its rows, load what passes.

The reading and validation half is here (``read_table``, ``validate``); ``loader`` puts accepted
rows into the store and the warehouse.
"""

from bankcrm.ingest.reader import ExtractReadError, RawTable, find_table_file, read_table
from bankcrm.ingest.validate import Lookups, Validated, validate

__all__ = [
    "ExtractReadError",
    "Lookups",
    "RawTable",
    "Validated",
    "find_table_file",
    "read_table",
    "validate",
]
