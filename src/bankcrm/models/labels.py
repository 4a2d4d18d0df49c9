"""What happened after a snapshot: the churn label and the product take-up label.

Churn (流失预警), for a snapshot at month-end d and a horizon of six months: a customer of the
base at d who is closed within the horizon (``d < closed_on ≤ month_end(d, 6)``), or whose AUM
at d was ≥ 50 000 yuan and, at some month-end of the horizon at which they are still in the
base, is below 10 % of it (strictly, as in METRICS.md's attrition: exactly 10 % is not
attrition). Take-up: an account of a product type opened within the horizon (three months).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from bankcrm.models.features import PRODUCT_TYPES, Tables, month_end

ATTRITION_FLOOR = 50_000  # yuan, METRICS.md
CHURN_HORIZON = 6  # months
TAKEUP_HORIZON = 3  # months


def last_month_end(tables: Tables) -> date:
    """The latest month-end of customer_month (the newest snapshot the warehouse has)."""
    latest: date = tables["customer_month"].as_of.max().to_pyarrow().as_py()
    return latest


def require_horizon(tables: Tables, d: date, months: int) -> date:
    """The end of the horizon after ``d``; a clear error when the warehouse does not reach it."""
    end = month_end(d, months)
    if last_month_end(tables) < end:
        raise ValueError(
            f"snapshot {d}: labels need balances up to {end} ({months} months later), "
            f"but the warehouse ends at {last_month_end(tables)}; choose an earlier snapshot"
        )
    return end


def churn_labels(tables: Tables, d: date, horizon: int = CHURN_HORIZON) -> pd.Series:
    """1 for customers of the base at ``d`` who churn within ``horizon`` months (see module
    docstring), else 0; indexed by customer_id, sorted."""
    end = require_horizon(tables, d, horizon)
    cm, customers = tables["customer_month"], tables["customers"]
    start = cm.filter(cm.as_of == d).select("customer_id", start_aum="aum")
    later = cm.filter((cm.as_of > d) & (cm.as_of <= end))
    lowest = later.group_by("customer_id").aggregate(low_aum=later.aum.min())
    closed = customers.select(
        "customer_id",
        closed=(customers.closed_on > d) & (customers.closed_on <= end),
    )
    joined = start.left_join(lowest, "customer_id").drop("customer_id_right")
    joined = joined.join(closed, "customer_id")
    dropped = (joined.start_aum >= ATTRITION_FLOOR) & (joined.low_aum * 10 < joined.start_aum)
    churned = (joined.closed.fill_null(False) | dropped.fill_null(False)).cast("int64")
    frame = joined.select("customer_id", churned=churned).to_pandas()
    return frame.set_index("customer_id")["churned"].sort_index()


def takeup_labels(tables: Tables, d: date, horizon: int = TAKEUP_HORIZON) -> pd.DataFrame:
    """Per customer of the base at ``d`` and product type: 1 if an account of that type was
    opened in (d, month_end(d, horizon)], else 0. Columns are the product types."""
    end = require_horizon(tables, d, horizon)
    cm, accounts, products = tables["customer_month"], tables["accounts"], tables["products"]
    base = cm.filter(cm.as_of == d).select("customer_id")
    opened = accounts.filter((accounts.opened_on > d) & (accounts.opened_on <= end))
    opened = opened.join(products.select("product_code", "product_type"), "product_code")
    flags = {p: (opened.product_type == p).any().cast("int64") for p in PRODUCT_TYPES}
    taken = opened.group_by("customer_id").aggregate(**flags)
    joined = base.left_join(taken, "customer_id").drop("customer_id_right")
    frame = joined.to_pandas().set_index("customer_id").sort_index()
    return frame.fillna(0).astype("int64")[list(PRODUCT_TYPES)]
