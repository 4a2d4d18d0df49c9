"""Rules on where the money goes: third-party payment outflow, maturity run-off and the net
flow of customers down the tier ladder."""

from __future__ import annotations

from decimal import Decimal

from bankcrm.diagnosis.findings import Figure, Finding, Severity
from bankcrm.diagnosis.series import Json, last, pct, per_year, points, rise
from bankcrm.domain.diagnosis_thresholds import DiagnosisSettings
from bankcrm.domain.money import format_wan


def third_party_outflow(data: Json, t: DiagnosisSettings) -> Finding | None:
    """Third-party share of all outflows: ≥ ``outflow_share_high`` in the last year (high); a
    rise of ``outflow_rise`` at some point of the years (medium, even when it fell back:
    the money that left is gone); ≥ ``outflow_share_notable`` in the last year alone (low)."""
    shares = per_year(data, "third_party_outflow", lambda r: r.get("share"))
    latest = last(shares)
    if latest is None:
        return None
    year, share = latest
    grew = rise(shares)
    if share >= t.outflow_share_high:
        severity = Severity.HIGH
    elif grew >= t.outflow_rise:
        severity = Severity.MEDIUM
    elif share >= t.outflow_share_notable:
        severity = Severity.LOW
    else:
        return None
    amounts = per_year(data, "third_party_outflow", lambda r: r.get("outflow"))
    peak = max(shares, key=lambda y: shares[y])
    return Finding(
        code="THIRD_PARTY_OUTFLOW",
        severity=severity,
        title_zh="资金向第三方支付平台流出",
        title_en="Money leaving to third-party payment",
        explanation_zh=f"{year}年流向第三方支付的资金{format_wan(Decimal(amounts[year]))}万元，"
        f"占全部流出的{pct(share)}；占比曾在{peak}年达到{pct(shares[peak])}，期间最大升幅"
        f"{points(grew)}个百分点。",
        explanation_en=f"In {year}, {format_wan(Decimal(amounts[year]))} 10k CNY went to "
        f"third-party payment, {pct(share)} of all outflows; the share peaked at "
        f"{pct(shares[peak])} in {peak} after rising {points(grew)} points.",
        evidence=(
            Figure(
                "outflow_share",
                "第三方支付流出占比",
                "third-party share of outflows",
                "share",
                dict(shares),
                t.outflow_rise,
                "rise ≥",
            ),
            Figure("outflow", "第三方支付流出金额", "third-party outflow", "yuan", dict(amounts)),
        ),
        segment={"third_party_outflow": True},
        actions_zh=(
            "推广本行货币基金、现金管理类理财等替代产品，承接零钱类资金",
            "绑定快捷支付并提高本行账户作为支付主账户的使用率",
        ),
        actions_en=(
            "Offer the bank's money-market and cash-management products for idle cash",
            "Make the bank's account the customers' main payment account (quick-pay binding)",
        ),
    )


def maturity_runoff(data: Json, t: DiagnosisSettings) -> Finding | None:
    """Share of matured time deposits / wealth products whose money left the bank, in the last
    year with at least ``runoff_min_matured`` matured: ≥ ``runoff_share`` (medium),
    ≥ ``runoff_share_high`` (high)."""
    runoff = {
        y: r
        for y, r in (data.get("maturity_runoff") or {}).items()
        if r and (r.get("matured") or 0) >= t.runoff_min_matured
    }
    shares = {y: r["share_left"] for y, r in runoff.items()}
    latest = last(shares)
    if latest is None or latest[1] < t.runoff_share:
        return None
    year, share = latest
    r = runoff[year]
    return Finding(
        code="MATURITY_RUNOFF",
        severity=Severity.HIGH if share >= t.runoff_share_high else Severity.MEDIUM,
        title_zh="到期资金流失：定期与理财到期后资金流出本行",
        title_en="Maturity run-off: maturing deposits and wealth products leave",
        explanation_zh=f"{year}年到期未续作的定期存款、大额存单及理财共{r['matured']}笔，其中"
        f"{r['left']}笔（{pct(share)}）的资金在次月末前流出本行，涉及到期前余额"
        f"{format_wan(Decimal(r['left_amount']))}万元。",
        explanation_en=f"Of the {r['matured']} time deposits, large CDs and wealth products that "
        f"matured without roll-over in {year}, {r['left']} ({pct(share)}) left the bank "
        f"within a month, {format_wan(Decimal(r['left_amount']))} 10k CNY before maturity.",
        evidence=(
            Figure(
                "runoff_share",
                "到期资金流失比例",
                "share of matured that left",
                "share",
                dict(shares),
                t.runoff_share,
                "≥",
            ),
            Figure(
                "matured",
                "到期笔数",
                "matured accounts",
                "count",
                {y: v["matured"] for y, v in runoff.items()},
            ),
        ),
        segment={"maturing_within_days": 30},
        actions_zh=(
            "到期前30天由客户经理逐一联系，提供续作或转理财方案",
            "设置到期自动转存与到期提醒",
        ),
        actions_en=(
            "Have the RM call every customer 30 days before maturity with a roll-over offer",
            "Offer automatic roll-over and maturity reminders",
        ),
        affected_customers=None,
    )


def tier_downgrade(data: Json, t: DiagnosisSettings) -> Finding | None:
    """Periods whose downgrades ≥ ``downgrade_ratio`` × upgrades with a net of at least
    ``downgrade_min_net`` customers: medium when the latest period is one, high when the two
    latest are, low when only earlier ones are."""
    flows = {
        p: (sum(r["upgraded"] for r in rows), sum(r["downgraded"] for r in rows))
        for p, rows in (data.get("migration_rates") or {}).items()
    }
    bad = sorted(
        p
        for p, (up, down) in flows.items()
        if down >= t.downgrade_ratio * up and down - up >= t.downgrade_min_net
    )
    if not bad:
        return None
    periods = sorted(flows)
    if periods[-1] in bad:
        recent = len(periods) >= 2 and periods[-2] in bad
        severity = Severity.HIGH if recent else Severity.MEDIUM
    else:
        severity = Severity.LOW
    worst = max(bad, key=lambda p: flows[p][1] - flows[p][0])
    up, down = flows[worst]
    return Finding(
        code="TIER_DOWNGRADE",
        severity=severity,
        title_zh="层级净降级：降级客户多于升级客户",
        title_en="Net downgrade between tiers",
        explanation_zh=f"{'、'.join(bad)}期间降级客户明显多于升级客户；{worst}降级{down}户、升级"
        f"{up}户，净降级{down - up}户。",
        explanation_en=f"Downgrades exceeded upgrades in {', '.join(bad)}; in {worst}, {down} "
        f"customers moved down and {up} up (net {down - up} down).",
        evidence=(
            Figure(
                "downgraded",
                "降级客户数",
                "downgraded customers",
                "count",
                {p: d for p, (_, d) in flows.items()},
                t.downgrade_ratio,
                "≥ upgrades ×",
            ),
            Figure(
                "upgraded",
                "升级客户数",
                "upgraded customers",
                "count",
                {p: u for p, (u, _) in flows.items()},
            ),
        ),
        segment={"tier_in": ["gold", "platinum", "diamond", "private"]},
        actions_zh=("对资产下降超过30%的中高端客户开展挽留回访", "分析降级客户的资金去向"),
        actions_en=(
            "Call back gold-and-above customers whose AUM fell by more than 30%",
            "Trace where the downgraded customers' money went",
        ),
    )
