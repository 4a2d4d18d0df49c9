"""客群与营销 Segments and campaigns in a real browser: the live count equals the segment
service's, and a branch manager creates a campaign that then appears in the list with the
groups the store holds."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from bankcrm.crm import segments
from bankcrm.crm.segments_rules import parse_rule
from bankcrm.store.models import Campaign, CampaignMember, SavedSegment
from bankcrm.web import fmt
from tests.web.conftest import Server, fill, shot
from tests.web.w2_expect import actor, store, tables

GOLD_AND_ABOVE = {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond", "private"]}
NAME = "到期客户理财转化（e2e）"


def test_a_manager_previews_a_segment_and_creates_a_campaign(
    server: Server, open_page: Callable[..., object]
) -> None:
    manager = actor(server.data, "demo_manager")
    with store(server.data) as session:
        expected = segments.preview(
            session, manager, tables(server.data), parse_rule(GOLD_AND_ABOVE)
        )
    page = open_page("demo_manager")
    page.goto(f"{server.url}/segments")  # type: ignore[attr-defined]
    count = page.get_by_test_id("seg-count")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => /[0-9]/.test(document.querySelector('[data-testid=seg-count]').innerText)"
    )
    assert count.inner_text() == f"{expected.customers:,}"  # the builder starts at gold and above
    assert page.get_by_test_id("seg-aum").inner_text() == fmt.wan(expected.aum)  # type: ignore[attr-defined]

    fill(page, "campaign-name", NAME)
    page.get_by_test_id("campaign-create").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=campaign-created]').innerText.length > 0"
    )
    with store(server.data) as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.name == NAME))
        assert campaign_id is not None
        groups = dict(
            session.execute(
                select(CampaignMember.group, func.count())
                .where(CampaignMember.campaign_id == campaign_id)
                .group_by(CampaignMember.group)
            ).all()
        )
    assert sum(groups.values()) == expected.customers
    created = page.get_by_test_id("campaign-created").inner_text()  # type: ignore[attr-defined]
    assert f"目标组 {groups.get('target', 0)} 人" in created
    assert f"对照组 {groups.get('control', 0)} 人" in created
    row = page.get_by_test_id("campaign-list").locator("tr", has_text=NAME)  # type: ignore[attr-defined]
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[2:5] == [str(groups.get(g, 0)) for g in ("target", "control", "excluded")]
    row.click()
    page.get_by_test_id("campaign-results").wait_for()  # type: ignore[attr-defined]
    page.mouse.wheel(0, -10_000)  # type: ignore[attr-defined]  # the fixed header back on top
    page.wait_for_timeout(300)  # type: ignore[attr-defined]  # the scroll settles (not timed)
    shot(page, "segments")


def test_the_count_follows_the_rule_as_it_is_edited(
    server: Server, open_page: Callable[..., object]
) -> None:
    analyst = actor(server.data, "demo_analyst")
    rich = {"and": [GOLD_AND_ABOVE, {"field": "aum", "op": "ge", "value": 100000}]}
    with store(server.data) as session:
        expected = segments.preview(session, analyst, tables(server.data), parse_rule(rich))
    page = open_page("demo_analyst")
    page.goto(f"{server.url}/segments")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => /[0-9]/.test(document.querySelector('[data-testid=seg-count]').innerText)"
    )
    page.get_by_test_id("add-condition").click()  # type: ignore[attr-defined]
    error = page.get_by_test_id("seg-error")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=seg-error]').innerText.length > 0"
    )
    assert "请填写条件值" in error.inner_text()  # an empty value is explained, not counted
    fill(page, "cond-value-1", "100000")
    page.wait_for_function(  # type: ignore[attr-defined]
        "n => document.querySelector('[data-testid=seg-count]').innerText === n",
        arg=f"{expected.customers:,}",
    )
    assert page.get_by_test_id("seg-aum").inner_text() == fmt.wan(expected.aum)  # type: ignore[attr-defined]
    assert page.get_by_test_id("campaign-create").count() == 0  # type: ignore[attr-defined]  # an analyst creates none


def test_a_saved_segment_is_listed_loaded_and_exported(
    server: Server, open_page: Callable[..., object]
) -> None:
    page = open_page("demo_manager")
    page.goto(f"{server.url}/segments")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => /[0-9]/.test(document.querySelector('[data-testid=seg-count]').innerText)"
    )
    first = page.get_by_test_id("seg-count").inner_text()  # type: ignore[attr-defined]
    fill(page, "segment-name", "金卡及以上（e2e）")
    page.get_by_test_id("segment-save").click()  # type: ignore[attr-defined]
    page.get_by_test_id("saved-segments").click()  # type: ignore[attr-defined]
    row = page.get_by_test_id("saved-row").filter(has_text="金卡及以上（e2e）")  # type: ignore[attr-defined]
    row.wait_for()
    with store(server.data) as session:
        saved = select(SavedSegment.id).where(SavedSegment.name == "金卡及以上（e2e）")
        assert session.scalar(saved) is not None
    page.get_by_test_id("cond-remove-0").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=seg-error]').innerText.length > 0"
    )
    row.get_by_test_id("saved-load").click()
    page.wait_for_function(  # type: ignore[attr-defined]
        "n => document.querySelector('[data-testid=seg-count]').innerText === n", arg=first
    )
    with page.expect_download() as download:  # type: ignore[attr-defined]
        row.get_by_test_id("saved-export").click()
    path = download.value.path()
    with open(path, "rb") as f:
        assert f.read(2) == b"PK"
