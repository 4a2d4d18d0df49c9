"""The segment and campaign screen's calls to the services, each in its own store session and
DuckDB connection (run in a worker thread by ``run.io_bound``)."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bankcrm.analytics.base import Tables
from bankcrm.crm import campaigns, campaigns_results, segments
from bankcrm.crm.campaigns import CampaignSpec, CreatedCampaign
from bankcrm.crm.campaigns_results import CampaignResults
from bankcrm.crm.segments import Preview
from bankcrm.crm.segments_export import export_members
from bankcrm.crm.segments_rules import Rule
from bankcrm.domain.actor import Actor
from bankcrm.warehouse.engines import connect
from bankcrm.web.runtime import runtime


def _tables() -> Tables:
    return Tables.load(connect("duckdb"), runtime().warehouse)


def preview(actor: Actor, rule: Rule) -> Preview:
    with runtime().sessions() as session:
        return segments.preview(session, actor, _tables(), rule)


def save(actor: Actor, name: str, rule: Rule) -> int:
    with runtime().sessions() as session:
        return segments.save_segment(session, actor, name, rule).id


def create(actor: Actor, spec: CampaignSpec) -> CreatedCampaign:
    with runtime().sessions() as session:
        return campaigns.create_campaign(session, actor, _tables(), spec)


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    start_on: date
    end_on: date | None
    product_type: str | None
    results: CampaignResults


def page(actor: Actor, offset: int, limit: int) -> tuple[list[Row], int]:
    """A page of campaigns, newest first, each with its results (one aggregate per row)."""
    with runtime().sessions() as session:
        found, total = campaigns.list_campaigns(session, actor, offset, limit)
        rows = [
            Row(c.id, c.name, c.start_on, c.end_on, c.product_type,
                campaigns_results.results(session, actor, c.id))
            for c in found  # one page: ten campaigns
        ]  # fmt: skip
        return rows, total


@dataclass(frozen=True)
class SavedRow:
    id: int
    name: str
    created_by: str
    rule: dict[str, Any]


def saved_page(actor: Actor, offset: int, limit: int) -> tuple[list[SavedRow], int]:
    """A page of the saved segments, newest first."""
    with runtime().sessions() as session:
        found, total = segments.list_segments(session, actor, offset, limit)
        return [SavedRow(s.id, s.name, s.created_by, json.loads(s.rule)) for s in found], total


def export(actor: Actor, segment_id: int, lang: str) -> tuple[bytes, str]:
    """A saved segment's members as a workbook for contacting them (the customers without
    consent or on the do-not-contact list left out and counted); audited by the service."""
    with runtime().sessions() as session, tempfile.TemporaryDirectory() as folder:
        saved = segments.get_segment(session, actor, segment_id)
        d, rows = segments.members(session, actor, _tables(), segments.saved_rule(saved))
        done = export_members(session, actor, rows, Path(folder) / "segment.xlsx",
                              f"{saved.name}（{d}）", segment_id=saved.id, lang=lang)  # fmt: skip
        return done.path.read_bytes(), f"segment-{saved.id}-{d}.xlsx"
