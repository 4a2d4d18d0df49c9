"""Outcomes detected from the next extract: after an import, every campaign that has started
looks at its target and control members in the warehouse.

A member converted when an account of the campaign's product type was opened on or after the
start date (and by the month-end read), or when the AUM at that month-end exceeds the AUM at
the campaign's segment month-end by at least the goal. Control members are judged by the same
test (that is what makes the lift honest). A conversion an RM recorded is never undone here;
the latest AUM is refreshed for everyone, for the incremental-AUM figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

import pandas as pd
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from bankcrm.analytics.base import Tables
from bankcrm.crm.segments_frame import month_end
from bankcrm.domain.actor import SYSTEM, Actor
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import Campaign, CampaignMember
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse


@dataclass(frozen=True)
class Detected:
    campaign_id: int
    month_end: date
    members: int  # target and control members looked at
    converted: int  # newly detected conversions


def detect_outcomes(session: Session, warehouse: Warehouse, as_of: date) -> list[Detected]:
    """Detect outcomes of every started campaign at the latest month-end on or before
    ``as_of`` (call after an import)."""
    return detect_outcomes_in(session, Tables.load(connect("duckdb"), warehouse), as_of)


def detect_outcomes_in(
    session: Session, tables: Tables, as_of: date, actor: Actor = SYSTEM
) -> list[Detected]:
    authorize(actor, Permission.CAMPAIGN_MANAGE)
    d = month_end(tables, as_of)
    started = session.scalars(select(Campaign).where(Campaign.start_on <= as_of)).all()
    found = [_detect(session, tables, campaign, d) for campaign in started]  # campaigns, few
    session.commit()
    return found


def _detect(session: Session, tables: Tables, campaign: Campaign, d: date) -> Detected:
    members = pd.read_sql(
        select(
            CampaignMember.customer_id,
            CampaignMember.baseline_aum_fen,
            CampaignMember.converted,
        ).where(CampaignMember.campaign_id == campaign.id, CampaignMember.group != "excluded"),
        session.get_bind(),
    )
    if members.empty:
        return Detected(campaign.id, d, 0, 0)
    cm = tables.customer_month
    at = cm.filter(cm.as_of == d)
    aum = at.select("customer_id", aum_fen=(at.aum * 100).round().cast("int64")).to_pandas()
    members = members.merge(aum, on="customer_id", how="left")
    rise = members["aum_fen"].fillna(0) - members["baseline_aum_fen"]
    converted = pd.Series(False, index=members.index)
    if campaign.goal_aum_fen is not None:
        converted |= rise >= campaign.goal_aum_fen
    if campaign.product_type is not None:
        converted |= members["customer_id"].isin(_openers(tables, campaign, d))
    new = converted & ~members["converted"].astype(bool)
    rows = pd.DataFrame(
        {
            "cid": members["customer_id"],
            "latest": members["aum_fen"].astype("Int64"),
            "amount": rise.clip(lower=0).astype("int64"),
            "new": new,
        }
    )
    _write(session, campaign.id, d, rows)
    return Detected(campaign.id, d, len(members), int(new.sum()))


def _openers(tables: Tables, campaign: Campaign, d: date) -> set[str]:
    a, p = tables.accounts, tables.products
    held = a.join(p.select("product_code", "product_type"), "product_code")
    opened = held.filter(
        (held.product_type == campaign.product_type)
        & (held.opened_on >= campaign.start_on)
        & (held.opened_on <= d)
    )
    return set(opened.select("customer_id").distinct().to_pandas()["customer_id"])


def _write(session: Session, campaign_id: int, d: date, rows: pd.DataFrame) -> None:
    """One executemany for the latest AUM of all, one for the newly converted."""
    m = cast(Table, CampaignMember.__table__)
    where = (m.c.campaign_id == campaign_id) & (m.c.customer_id == bindparam("cid"))
    latest = rows[["cid", "latest"]].astype(object).where(rows[["cid", "latest"]].notna(), None)
    session.execute(
        update(m).where(where).values(latest_aum_fen=bindparam("latest")),
        latest.to_dict("records"),
        execution_options={"synchronize_session": False},
    )
    new = rows.loc[rows["new"], ["cid", "amount"]]
    if not new.empty:
        session.execute(
            update(m)
            .where(where)
            .values(
                converted=True,
                converted_amount_fen=bindparam("amount"),
                outcome_source="extract",
                outcome_on=d,
                version=m.c.version + 1,
            ),
            new.astype(object).to_dict("records"),
            execution_options={"synchronize_session": False},
        )
