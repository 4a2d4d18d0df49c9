"""What the CRM derives from a fresh import, in one call the import command makes: the search
index, the customer summaries search filters on, and campaign outcomes seen in the new data.
(The importer cannot call it itself: ingest sits below crm in the layers.)"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bankcrm.crm.campaigns_outcomes import detect_outcomes
from bankcrm.crm.search_index import ensure_search_index
from bankcrm.crm.summary import latest_month_end, refresh_summaries
from bankcrm.domain.crm_settings import FlagSettings
from bankcrm.store.db import session_factory
from bankcrm.warehouse.layout import Warehouse


@dataclass(frozen=True)
class Refreshed:
    summaries: int  # customers summarised at the latest month-end
    conversions: int  # campaign conversions newly detected


def after_import(engine: Engine, warehouse: Warehouse, flags: FlagSettings) -> Refreshed:
    """Bring the CRM's derived data up to the warehouse's latest month-end."""
    ensure_search_index(engine)
    summaries = refresh_summaries(engine, warehouse, flags)
    latest = latest_month_end(warehouse)
    conversions = 0
    if latest is not None:
        with session_factory(engine)() as session:
            conversions = sum(d.converted for d in detect_outcomes(session, warehouse, latest))
    return Refreshed(summaries, conversions)
