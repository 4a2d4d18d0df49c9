"""Rules on how the branch serves its customers: channels, RM coverage, and the attrition of
high-value customers it should have held.

RM contact recency (a logged contact in the 90 days up to d, METRICS.md) needs the contact log
of a later issue. The rules read it from a ``contact_coverage`` family shaped like
``rm_coverage`` when the input has one, and say in the finding that it is missing otherwise.
"""

from __future__ import annotations

from scipy.stats import binomtest

from bankcrm.diagnosis.findings import Figure, Finding, Severity
from bankcrm.diagnosis.series import (
    TOP_TIERS,
    Json,
    change,
    last,
    pct,
    per_year,
    points,
    row,
    summed,
)
from bankcrm.domain.diagnosis_thresholds import DiagnosisSettings

NO_CONTACT_LOG_ZH = "客户经理联系记录（近90天接触）尚未接入，本项暂按客户经理分配覆盖率判断。"
NO_CONTACT_LOG_EN = (
    "RM contact recency (a contact in the last 90 days) is not available yet; "
    "this uses active RM assignment coverage."
)
COVERAGE_FAMILIES = ("rm_coverage", "contact_coverage")


def top_coverage(data: Json, family: str, year: str) -> float | None:
    """Share of platinum-and-above customers covered at the end of ``year`` (assigned, or
    contacted for ``contact_coverage``); None without data."""
    rows = (data.get(family) or {}).get(year) or []
    customers = summed(rows, "tier", TOP_TIERS, "customers")
    covered = summed(rows, "tier", TOP_TIERS, "assigned") + summed(
        rows, "tier", TOP_TIERS, "contacted"
    )
    return covered / customers if customers else None


def _notes(data: Json, lang: str) -> tuple[str, ...]:
    """The missing-contact-log caveat, until the input carries ``contact_coverage``."""
    if data.get("contact_coverage"):
        return ()
    return (NO_CONTACT_LOG_ZH,) if lang == "zh" else (NO_CONTACT_LOG_EN,)


def channel_lag(data: Json, t: DiagnosisSettings) -> Finding | None:
    """The counter's share of customer-initiated transactions in the last year ≥
    ``channel_counter_share`` while mobile adoption rose by ``channel_adoption_rise``: the
    customers moved, the transactions did not (medium; high when the counter share did not
    fall at all). Counter-heavy or adoption under ``channel_adoption_target`` alone: low."""
    counter = per_year(
        data, "channel_mix", lambda rows: (row(rows, "channel", "counter") or {}).get("count_share")
    )
    mobile = per_year(
        data,
        "channel_adoption",
        lambda rows: (row(rows, "channel", "mobile_banking") or {}).get("share"),
    )
    c_last, m_last = last(counter), last(mobile)
    if c_last is None or m_last is None:
        return None
    heavy = c_last[1] >= t.channel_counter_share
    shifting = (change(mobile) or 0.0) >= t.channel_adoption_rise
    if heavy and shifting:
        stuck = (change(counter) or 0.0) >= 0
        severity = Severity.HIGH if stuck else Severity.MEDIUM
    elif heavy or m_last[1] < t.channel_adoption_target:
        severity = Severity.LOW
    else:
        return None
    first = min(mobile)
    return Finding(
        code="CHANNEL_LAG",
        severity=severity,
        title_zh="渠道转型滞后：柜面交易占比仍高",
        title_en="Channel lag: the counter still carries many transactions",
        explanation_zh=f"手机银行签约率由{first}年末的{pct(mobile[first])}变为{m_last[0]}年末的"
        f"{pct(m_last[1])}（{points(change(mobile) or 0.0)}个百分点），{c_last[0]}年柜面仍承担"
        f"{pct(c_last[1])}的客户主动交易笔数。",
        explanation_en=f"Mobile-banking adoption went from {pct(mobile[first])} at the end of "
        f"{first} to {pct(m_last[1])} at the end of {m_last[0]}, but the counter still "
        f"carried {pct(c_last[1])} of customer-initiated transactions in {c_last[0]}.",
        evidence=(
            Figure(
                "counter_share",
                "柜面交易笔数占比",
                "counter share of transactions",
                "share",
                dict(counter),
                t.channel_counter_share,
                "≥",
            ),
            Figure(
                "mobile_adoption",
                "手机银行签约率",
                "mobile-banking adoption",
                "share",
                dict(mobile),
                t.channel_adoption_rise,
                "rise ≥",
            ),
        ),
        segment={"channel_missing": "mobile_banking", "dormant": False},
        actions_zh=(
            "在柜面对高频交易客户现场开通并辅导使用手机银行",
            "将简单业务迁移至自助设备与手机银行，释放柜面产能用于营销",
        ),
        actions_en=(
            "Enrol frequent counter users in mobile banking at the counter and coach them",
            "Move simple transactions to self-service and mobile; use the counter for sales",
        ),
    )


def _attrition_periods(data: Json, t: DiagnosisSettings) -> dict[str, dict[str, float]]:
    """Per period: platinum+ attrited, eligible and rate, the rate of the other eligible
    customers (the base), their ratio and the one-sided binomial p-value of the platinum+
    count under the base rate."""
    out: dict[str, dict[str, float]] = {}
    for period, rows in sorted((data.get("attrition") or {}).items()):
        top_a = summed(rows, "tier", TOP_TIERS, "attrited")
        top_e = summed(rows, "tier", TOP_TIERS, "eligible")
        total = row(rows, "tier", "all") or {}
        rest_a, rest_e = total.get("attrited", 0) - top_a, total.get("eligible", 0) - top_e
        if not top_e or not rest_e:
            continue
        base = rest_a / rest_e
        rate = top_a / top_e
        ratio = rate / base if base else (float("inf") if top_a else 0.0)
        p = binomtest(top_a, top_e, base, alternative="greater").pvalue if base else 0.0
        out[period] = {
            "attrited": top_a,
            "eligible": top_e,
            "rate": rate,
            "base_rate": base,
            "ratio": ratio,
            "p_value": float(p),
        }
    return out


def high_value_attrition(data: Json, t: DiagnosisSettings) -> Finding | None:
    """Platinum-and-above customers attrite at ≥ ``attrition_ratio`` × the rate of the other
    eligible customers, at least ``attrition_min_attrited`` of them, and significantly
    (one-sided binomial p ≤ ``attrition_p_value``), in some period: medium; high when the
    ratio is ≥ ``attrition_ratio_high``. Says whether RM coverage explains it."""
    periods = _attrition_periods(data, t)
    flagged = [
        p
        for p, f in periods.items()
        if f["attrited"] >= t.attrition_min_attrited
        and f["ratio"] >= t.attrition_ratio
        and f["p_value"] <= t.attrition_p_value
    ]
    if not flagged:
        return None
    worst = max(flagged, key=lambda p: periods[p]["ratio"])
    w = periods[worst]
    start_year = worst.split("-")[0]
    cover = {f: top_coverage(data, f, start_year) for f in COVERAGE_FAMILIES}
    explained_zh, explained_en = _coverage_verdict(cover, t)
    return Finding(
        code="HIGH_VALUE_ATTRITION",
        severity=Severity.HIGH if w["ratio"] >= t.attrition_ratio_high else Severity.MEDIUM,
        title_zh="高价值客户流失快于整体",
        title_en="High-value customers attrite faster than the base",
        explanation_zh=f"{'、'.join(flagged)}期间白金及以上客户流失率显著高于其他客户；"
        f"{worst}为{pct(w['rate'])}（{w['attrited']:.0f}/{w['eligible']:.0f}户），是其他客户"
        f"{pct(w['base_rate'])}的{w['ratio']:.1f}倍。{explained_zh}",
        explanation_en=f"Platinum-and-above customers attrited significantly faster than the "
        f"others in {', '.join(flagged)}; in {worst} {pct(w['rate'])} "
        f"({w['attrited']:.0f} of {w['eligible']:.0f}), {w['ratio']:.1f} times the others' "
        f"{pct(w['base_rate'])}. {explained_en}",
        evidence=(
            Figure(
                "top_rate",
                "白金及以上流失率",
                "platinum+ attrition rate",
                "share",
                {p: f["rate"] for p, f in periods.items()},
                t.attrition_ratio,
                "≥ base ×",
            ),
            Figure(
                "base_rate",
                "其他客户流失率",
                "attrition rate of the others",
                "share",
                {p: f["base_rate"] for p, f in periods.items()},
            ),
            Figure(
                "p_value",
                "显著性（单侧二项检验p值）",
                "one-sided binomial p-value",
                "p_value",
                {p: f["p_value"] for p, f in periods.items()},
                t.attrition_p_value,
                "≤",
            ),
            Figure(
                "top_rm_coverage",
                "白金及以上客户经理覆盖率",
                "platinum+ RM coverage",
                "share",
                {start_year: cover["rm_coverage"]},
            ),
        ),
        segment={"tier_in": list(TOP_TIERS)},
        actions_zh=(
            "对白金及以上客户逐户建立90天内至少一次的客户经理接触计划",
            "对资产下降的高端客户启动挽留流程并复盘流失原因",
        ),
        actions_en=(
            "Contact every platinum-and-above customer at least once every 90 days",
            "Start retention calls for high-value customers whose AUM falls; review each loss",
        ),
        affected_customers=int(w["attrited"]),
        notes_zh=_notes(data, "zh"),
        notes_en=_notes(data, "en"),
    )


def _coverage_verdict(cover: dict[str, float | None], t: DiagnosisSettings) -> tuple[str, str]:
    rm, contact = cover["rm_coverage"], cover["contact_coverage"]
    if contact is not None:
        low = contact < t.coverage_min
        return (
            f"期初近90天接触覆盖率{pct(contact)}，"
            + ("接触不足可能是主因。" if low else "接触覆盖不能解释流失。"),
            f"Contact coverage was {pct(contact)} at the start: "
            + ("missing contact may explain it." if low else "contact does not explain it."),
        )
    if rm is None:
        return "无客户经理分配数据。", "No RM assignment data."
    if rm < t.coverage_min:
        return (
            f"期初客户经理分配覆盖率仅{pct(rm)}，覆盖不足可能是原因之一。",
            f"Only {pct(rm)} had an RM assigned at the start: missing coverage may explain it.",
        )
    return (
        f"期初客户经理分配覆盖率{pct(rm)}，分配本身不能解释流失，需结合接触频率（待接入）判断。",
        f"{pct(rm)} had an RM assigned at the start, so assignment does not explain it; "
        "contact recency (not available yet) is the next thing to check.",
    )


def coverage_gap(data: Json, t: DiagnosisSettings) -> Finding | None:
    """Platinum-and-above customers covered (RM assigned, or contacted in 90 days when the
    contact log exists) at the last year-end < ``coverage_min`` (medium), < ``coverage_high``
    (high)."""
    years = sorted(data.get("rm_coverage") or {})
    if not years:
        return None
    year = years[-1]
    found = {f: top_coverage(data, f, year) for f in COVERAGE_FAMILIES}
    known = {f: v for f, v in found.items() if v is not None}
    if not known:
        return None
    family = min(known, key=lambda f: known[f])
    worst = known[family]
    if worst >= t.coverage_min:
        return None
    rows = data[family][year]
    customers = summed(rows, "tier", TOP_TIERS, "customers")
    what_zh = "无近90天接触" if family == "contact_coverage" else "未分配客户经理"
    what_en = "no contact in 90 days" if family == "contact_coverage" else "no RM assigned"
    return Finding(
        code="COVERAGE_GAP",
        severity=Severity.HIGH if worst < t.coverage_high else Severity.MEDIUM,
        title_zh="高端客户维护覆盖缺口",
        title_en="Coverage gap among high-tier customers",
        explanation_zh=f"{year}年末白金及以上客户{customers}户，覆盖率仅{pct(worst)}，约"
        f"{round(customers * (1 - worst))}户{what_zh}。",
        explanation_en=f"At the end of {year}, only {pct(worst)} of the {customers} "
        f"platinum-and-above customers are covered; about {round(customers * (1 - worst))} "
        f"have {what_en}.",
        evidence=(
            Figure(
                "top_coverage",
                "白金及以上覆盖率",
                "platinum+ coverage",
                "share",
                {y: top_coverage(data, family, y) for y in sorted(data[family])},
                t.coverage_min,
                "<",
            ),
        ),
        segment={"tier_in": list(TOP_TIERS), "rm_assigned": False},
        actions_zh=("为所有白金及以上客户指定客户经理", "建立高端客户季度接触与资产检视制度"),
        actions_en=(
            "Assign an RM to every platinum-and-above customer",
            "Set a quarterly contact and portfolio review for high-tier customers",
        ),
        affected_customers=round(customers * (1 - worst)),
        notes_zh=_notes(data, "zh"),
        notes_en=_notes(data, "en"),
    )
