"""Possible duplicate customers: one identity document under several customer numbers.

Reported for a person to resolve, never merged automatically: two customer numbers may be a
data-entry error or a real second relationship (a 客户号 per branch in older core systems).
"""

from __future__ import annotations

from typing import Any

import duckdb

from bankcrm.warehouse.layout import Warehouse


def mask_id_number(number: str) -> str:
    """Keep the first 6 and last 4 characters (region and check), hide the birth date."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def possible_duplicate_customers(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Groups of customer_ids that share (id_type, id_number), with the number masked."""
    if not warehouse.exists("customers"):
        return []
    with duckdb.connect() as con:
        rows = con.sql(
            f"""SELECT id_type, id_number, list(customer_id ORDER BY customer_id) AS ids
                FROM {warehouse.scan("customers")}
                GROUP BY id_type, id_number HAVING count(*) > 1
                ORDER BY id_type, id_number"""
        ).fetchall()
    return [
        {"id_type": t, "id_number": mask_id_number(n), "customer_ids": ids} for t, n, ids in rows
    ]
