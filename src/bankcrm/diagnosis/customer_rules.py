"""Rules on who the customers are: an ageing base, thin product holding, dormancy and the
concentration of AUM. Each rule reads the analysis JSON and returns a Finding or None."""

from __future__ import annotations

from bankcrm.diagnosis.findings import Figure, Finding, Severity
from bankcrm.diagnosis.series import (
    SENIOR_BANDS,
    Json,
    change,
    last,
    pct,
    per_year,
    points,
    row,
    share_of,
)
from bankcrm.domain.diagnosis_thresholds import DiagnosisSettings


def aging_base(data: Json, t: DiagnosisSettings) -> Finding | None:
    """55+ share of individuals rising by ``aging_senior_rise`` over the years, and/or the
    under-35 new individuals of the last year at most (1 - ``aging_young_drop``) of the
    first year's: either is medium, both high."""
    senior = per_year(
        data, "structure", lambda s: share_of(s.get("age_band", []), "age_band", SENIOR_BANDS)
    )
    young = per_year(data, "young_acquisition", lambda r: r.get("young"))
    senior_change = change(senior)
    senior_up = senior_change is not None and senior_change >= t.aging_senior_rise
    young_keys = sorted(young)
    young_down = (
        len(young) >= 2
        and young[young_keys[0]] > 0
        and (young[young_keys[-1]] <= (1 - t.aging_young_drop) * young[young_keys[0]])
    )
    if not (senior_up or young_down):
        return None
    first, end = min(senior), max(senior)
    text_zh, text_en = [], []
    if senior_change is not None:
        text_zh.append(
            f"55岁及以上个人客户占比由{first}年末的{pct(senior[first])}变为{end}年末的"
            f"{pct(senior[end])}（{points(senior_change)}个百分点）"
        )
        text_en.append(
            f"the share of individuals aged 55+ went from {pct(senior[first])} at the end of "
            f"{first} to {pct(senior[end])} at the end of {end} ({points(senior_change)} points)"
        )
    if len(young) >= 2:
        y0, y1 = young_keys[0], young_keys[-1]
        text_zh.append(f"35岁以下新客户由{y0}年的{young[y0]:.0f}户变为{y1}年的{young[y1]:.0f}户")
        text_en.append(
            f"new customers under 35 went from {young[y0]:.0f} in {y0} to {young[y1]:.0f} in {y1}"
        )
    return Finding(
        code="AGING_BASE",
        severity=Severity.HIGH if senior_up and young_down else Severity.MEDIUM,
        title_zh="客户老龄化：老年客户占比上升，年轻客户获取下降",
        title_en="Ageing base: more seniors, fewer young customers won",
        explanation_zh="；".join(text_zh) + "。客户基础老化将削弱未来的存款与中间业务增长。",
        explanation_en="; ".join(text_en).capitalize()
        + ". An ageing base weakens future deposit and fee growth.",
        evidence=(
            Figure(
                "senior_share",
                "55岁及以上占比",
                "share aged 55+",
                "share",
                dict(senior),
                t.aging_senior_rise,
                "rise ≥",
            ),
            Figure(
                "young_new",
                "35岁以下新增客户",
                "new customers under 35",
                "count",
                dict(young),
                t.aging_young_drop,
                "drop ≥",
            ),
        ),
        segment={"customer_type_in": ["individual"], "age_band_in": ["<25", "25-34"]},
        actions_zh=(
            "针对35岁以下客群设计代发工资、信用卡与手机银行联动的获客方案",
            "对55岁及以上客户加强养老金融与适老化服务，稳住存量资产",
        ),
        actions_en=(
            "Win customers under 35 with payroll, credit-card and mobile-banking bundles",
            "Serve customers aged 55+ with pension products and senior-friendly service",
        ),
    )


def product_thin(data: Json, t: DiagnosisSettings) -> Finding | None:
    """Single-product customers at the last year-end ≥ ``single_product_share`` of the base
    (medium), ≥ ``single_product_share_high`` (high)."""
    holding = per_year(data, "structure", lambda s: s.get("product_holding"))
    single = {y: share_of(rows, "product_holding", (1,)) for y, rows in holding.items()}
    latest = last(single)
    if latest is None or latest[1] < t.single_product_share:
        return None
    year, share = latest
    rows = holding[year]
    one = row(rows, "product_holding", 1)
    multi = {y: share_of(r, "product_holding", tuple(range(3, 100))) for y, r in holding.items()}
    high = share >= t.single_product_share_high
    return Finding(
        code="PRODUCT_THIN",
        severity=Severity.HIGH if high else Severity.MEDIUM,
        title_zh="产品覆盖单薄：单一产品客户占多数",
        title_en="Thin product holding: single-product customers dominate",
        explanation_zh=f"{year}年末单一产品客户占客户基数的{pct(share)}，持有3类及以上产品的"
        f"客户仅占{pct(multi[year])}。单一产品客户粘性低、易流失。",
        explanation_en=f"At the end of {year}, {pct(share)} of the base hold a single product "
        f"type; only {pct(multi[year])} hold three or more. Single-product customers are the "
        "easiest to lose.",
        evidence=(
            Figure(
                "single_product_share",
                "单一产品客户占比",
                "single-product share",
                "share",
                dict(single),
                t.single_product_share,
                "≥",
            ),
            Figure(
                "three_plus_share",
                "持有3类及以上产品占比",
                "share holding 3+ products",
                "share",
                dict(multi),
            ),
        ),
        segment={"product_holding_max": 1},
        actions_zh=(
            "对单一活期客户开展定期、理财、基金的交叉营销",
            "以代发、社保卡、信用卡绑定提高产品持有数",
        ),
        actions_en=(
            "Cross-sell time deposits, wealth and fund products to demand-only customers",
            "Raise holding through payroll, social-security card and credit-card bundles",
        ),
        affected_customers=int(one["customers"]) if one else None,
    )


def dormancy(data: Json, t: DiagnosisSettings) -> Finding | None:
    """Dormant share of the base at the last year-end ≥ ``dormant_share`` (medium) or
    ≥ ``dormant_share_high`` (high), or rising by ``dormant_rise`` over the years (medium);
    ≥ ``dormant_share_notable`` alone is low."""
    total = {y: row(rows, "tier", "all") for y, rows in (data.get("dormancy") or {}).items()}
    shares = {y: r["share"] for y, r in total.items() if r and r.get("share") is not None}
    latest = last(shares)
    if latest is None:
        return None
    year, share = latest
    grown = (change(shares) or 0.0) >= t.dormant_rise
    if share >= t.dormant_share_high:
        severity = Severity.HIGH
    elif share >= t.dormant_share or grown:
        severity = Severity.MEDIUM
    elif share >= t.dormant_share_notable:
        severity = Severity.LOW
    else:
        return None
    count = total[year]["dormant"]  # type: ignore[index]
    return Finding(
        code="DORMANCY",
        severity=severity,
        title_zh="睡眠客户占比偏高",
        title_en="Large dormant share",
        explanation_zh=f"{year}年末睡眠客户（近12个月无主动交易）{count}户，占客户基数的"
        f"{pct(share)}。睡眠账户占用服务资源且流失风险高。",
        explanation_en=f"At the end of {year}, {count} customers ({pct(share)} of the base) "
        "made no customer-initiated transaction in twelve months; they cost service and are "
        "likely to leave.",
        evidence=(
            Figure(
                "dormant_share",
                "睡眠客户占比",
                "dormant share",
                "share",
                dict(shares),
                t.dormant_share,
                "≥",
            ),
        ),
        segment={"dormant": True},
        actions_zh=("分层开展睡眠客户唤醒活动（短信、电话、网点礼遇）", "清理长期无余额的睡眠账户"),
        actions_en=(
            "Run tiered wake-up campaigns (SMS, calls, branch offers)",
            "Close long-dormant zero-balance accounts",
        ),
        affected_customers=int(count),
    )


def concentration(data: Json, t: DiagnosisSettings) -> Finding | None:
    """Top-1 % share ≥ ``top1_share`` or top-10 % share ≥ ``top10_share`` at the last
    year-end (medium); ≥ the ``_high`` values (high)."""
    latest = last(per_year(data, "concentration", lambda c: c.get("top10")))
    if latest is None:
        return None
    year = latest[0]
    c = data["concentration"][year]
    top1, top10 = c.get("top1") or 0.0, c.get("top10") or 0.0
    if top1 < t.top1_share and top10 < t.top10_share:
        return None
    high = top1 >= t.top1_share_high or top10 >= t.top10_share_high
    conc = data["concentration"]
    return Finding(
        code="CONCENTRATION",
        severity=Severity.HIGH if high else Severity.MEDIUM,
        title_zh="资产集中度高：少数客户支撑大部分AUM",
        title_en="AUM concentrated in few customers",
        explanation_zh=f"{year}年末前1%客户持有{pct(top1)}的AUM，前10%客户持有{pct(top10)}，"
        f"基尼系数{c.get('gini', 0):.3f}。少数大客户流失即可显著拉低规模。",
        explanation_en=f"At the end of {year} the top 1% of customers hold {pct(top1)} of AUM "
        f"and the top 10% hold {pct(top10)} (Gini {c.get('gini', 0):.3f}); losing a few large "
        "customers moves the whole branch.",
        evidence=(
            Figure(
                "top1",
                "前1%客户AUM占比",
                "top 1% AUM share",
                "share",
                {y: v.get("top1") for y, v in conc.items()},
                t.top1_share,
                "≥",
            ),
            Figure(
                "top10",
                "前10%客户AUM占比",
                "top 10% AUM share",
                "share",
                {y: v.get("top10") for y, v in conc.items()},
                t.top10_share,
                "≥",
            ),
        ),
        segment={"tier_in": ["diamond", "private"]},
        actions_zh=("为高净值客户建立专属客户经理与定期检视机制", "扩大中端客户规模以分散依赖"),
        actions_en=(
            "Give every high-net-worth customer a named RM and a regular review",
            "Grow the mass-affluent segment to spread the dependency",
        ),
    )
