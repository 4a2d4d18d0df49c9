"""The read-only parts of the 360 view: the AUM trend chart, holdings, transactions (paged on
the server), model scores with their reasons, and campaigns."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from bankcrm.crm.customer360 import Customer360, customer_transactions
from bankcrm.crm.warehouse_reads import TransactionFilter, TransactionRow
from bankcrm.web import fmt
from bankcrm.web.auth import Visit
from bankcrm.web.layout import empty
from bankcrm.web.pages.customers.common import attempt, label, pages, yuan
from bankcrm.web.runtime import runtime

TXN_PAGE = 20
CHANNELS = {
    "counter": "柜面", "atm": "ATM", "internet_banking": "网上银行", "mobile_banking": "手机银行",
    "third_party": "第三方支付", "pos": "POS", "batch": "批量", "other": "其他",
}  # fmt: skip
COUNTERPARTIES = {
    "own_account": "本人账户", "same_bank": "本行", "other_bank": "他行",
    "third_party_payment": "第三方支付", "salary": "代发工资", "merchant": "商户",
    "government": "政府机构", "other": "其他",
}  # fmt: skip
MODELS = {
    "churn": ("流失风险", "Churn risk"),
    "rfm": ("RFM分群", "RFM segment"),
    "clv": ("客户终身价值", "Lifetime value"),
    "nbp": ("推荐产品", "Next best product"),
    "segments": ("客群", "Segment"),
}
GROUPS = {"target": ("目标组", "target"), "control": ("对照组", "control"),
          "excluded": ("已排除", "excluded")}  # fmt: skip


def aum_trend(visit: Visit, view: Customer360) -> None:
    """AUM and loan balance at each month-end, in 万元."""
    t = visit.t
    ui.label(t("资产趋势（月末，万元）", "AUM by month-end (10k yuan)")).classes("text-h6")
    if not view.months:
        empty(t("该客户还没有月末资产记录（可能是新开户或已销户）。",
                "No month-end figures yet (a new or closed customer)."))  # fmt: skip
        return
    months = [f"{m.as_of.year}-{m.as_of.month:02d}" for m in view.months]
    aum = [round(float(m.aum) / 10_000, 2) for m in view.months]
    loans = [round(float(m.loan_balance) / 10_000, 2) for m in view.months]
    options: dict[str, Any] = {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [t("资产", "AUM"), t("贷款余额", "Loans")], "top": 0, "right": 0},
        "grid": {"left": 70, "right": 20, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value", "name": t("万元", "10k yuan")},
        "series": [
            {"name": t("资产", "AUM"), "type": "line", "data": aum, "areaStyle": {}},
            {"name": t("贷款余额", "Loans"), "type": "line", "data": loans},
        ],
    }
    ui.echart(options).classes("w-full h-72").props('data-testid="aum-chart"')
    if view.tier_changes:
        steps = " → ".join(
            f"{label(visit, c.to_tier)}（{c.as_of:%Y-%m}）" for c in view.tier_changes[-4:]
        )
        ui.label(t(f"层级变化：{steps}", f"Tier changes: {steps}")).classes("text-caption")


def holdings(visit: Visit, view: Customer360) -> None:
    t = visit.t
    if not view.holdings:
        empty(t("该客户没有未销户的账户。", "No open accounts."))
        return
    columns = [
        {"name": "product", "label": t("产品", "Product"), "field": "product", "align": "left"},
        {"name": "kind", "label": t("类型", "Type"), "field": "kind", "align": "left"},
        {"name": "accounts", "label": t("账户数", "Accounts"), "field": "accounts"},
        {"name": "balance", "label": t("余额（万元）", "Balance"), "field": "balance"},
        {"name": "maturity", "label": t("最近到期", "Next maturity"), "field": "maturity"},
    ]
    rows = [
        {
            "product": h.product_name,
            "kind": label(visit, h.product_type),
            "accounts": h.accounts,
            "balance": fmt.wan(yuan(h.balance_fen), visit.lang),
            "maturity": fmt.day(h.next_maturity_on, visit.lang),
        }
        for h in view.holdings
    ]
    ui.table(columns=columns, rows=rows, row_key="product").classes("w-full").props(
        "flat bordered dense"
    )


def transactions(visit: Visit, customer_id: str) -> None:
    """The customer's transactions, latest first, one page from the warehouse at a time."""
    t = visit.t
    columns = [
        {"name": "at", "label": t("交易时间", "Booked"), "field": "at", "align": "left"},
        {"name": "amount", "label": t("金额（元）", "Amount (yuan)"), "field": "amount"},
        {"name": "channel", "label": t("渠道", "Channel"), "field": "channel", "align": "left"},
        {"name": "party", "label": t("对手方", "Counterparty"), "field": "party", "align": "left"},
        {"name": "memo", "label": t("摘要", "Memo"), "field": "memo", "align": "left"},
    ]
    total_label = ui.label("").props('data-testid="transactions-total"')
    table = ui.table(columns=columns, rows=[], row_key="id").classes("w-full")
    table.props('flat bordered dense data-testid="transactions"')
    pager = ui.pagination(1, 1, direction_links=True, on_change=lambda: load())  # noqa: PLW0108  (defined below)
    pager.props("max-pages=9 boundary-numbers")

    def load() -> None:
        offset = (int(pager.value or 1) - 1) * TXN_PAGE
        rt = runtime()
        found = attempt(
            visit,
            lambda actor, s: customer_transactions(
                s, actor, rt.warehouse, customer_id, TransactionFilter(), offset, TXN_PAGE
            ),
        )
        if found is None:
            return
        rows, total = found
        table.rows = [_txn_row(visit, r) for r in rows]
        table.update()
        total_label.set_text(t(f"共 {total:,} 笔交易", f"{total:,} transactions"))
        if total == 0:
            total_label.set_text(t("该客户没有交易记录。", "No transactions."))
        pager.max = pages(total, TXN_PAGE)

    load()


def _txn_row(visit: Visit, r: TransactionRow) -> dict[str, str]:
    zh = visit.lang == "zh"
    party = COUNTERPARTIES.get(r.counterparty_type, r.counterparty_type) if zh else None
    return {
        "id": r.txn_id,
        "at": fmt.moment(r.booked_at, visit.lang),
        "amount": f"{r.amount:+,.2f}",
        "channel": CHANNELS.get(r.channel, r.channel) if zh else r.channel,
        "party": " ".join(x for x in (party or r.counterparty_type, r.counterparty_name) if x),
        "memo": r.memo or "",
    }


def scores(visit: Visit, view: Customer360) -> None:
    t = visit.t
    if not view.scores:
        empty(t("该客户尚未评分（运行 bankcrm score 后显示流失风险、RFM 等）。",
                "Not scored yet (run bankcrm score)."))  # fmt: skip
        return
    for s in view.scores:
        name = MODELS.get(s.model, (s.model, s.model))[0 if visit.lang == "zh" else 1]
        value = s.label or ""
        if s.score is not None:
            figure = fmt.share(s.score) if s.model == "churn" else f"{s.score:,.2f}"
            value = f"{value} {figure}".strip()
        with ui.card().classes("w-full q-pa-sm"):
            with ui.row().classes("items-baseline gap-3"):
                ui.label(name).classes("text-subtitle1 text-bold")
                ui.label(value or "—")
                ui.label(t(f"评分日 {fmt.day(s.as_of, 'zh')}", f"as of {s.as_of}")).classes(
                    "text-caption text-grey-7"
                )
            for reason in s.reasons:
                ui.label(f"· {reason}").classes("text-body2")


def campaigns(visit: Visit, view: Customer360) -> None:
    t = visit.t
    if not view.campaigns:
        empty(t("该客户未参加营销活动。", "Not in any campaign."))
        return
    yes, no = t("是", "yes"), t("否", "no")
    columns = [
        {"name": "name", "label": t("活动", "Campaign"), "field": "name", "align": "left"},
        {"name": "group", "label": t("分组", "Group"), "field": "group", "align": "left"},
        {"name": "contacted", "label": t("已联系", "Contacted"), "field": "contacted"},
        {"name": "responded", "label": t("已响应", "Responded"), "field": "responded"},
        {"name": "converted", "label": t("已转化", "Converted"), "field": "converted"},
    ]
    rows = [
        {
            "id": c.id,
            "name": c.name,
            "group": GROUPS.get(m.group, (m.group, m.group))[0 if visit.lang == "zh" else 1],
            "contacted": yes if m.contacted else no,
            "responded": yes if m.responded else no,
            "converted": yes if m.converted else no,
        }
        for c, m in view.campaigns
    ]
    ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").props("flat dense")
