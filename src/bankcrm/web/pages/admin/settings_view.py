"""参数设置: the settings in force, read-only — the tier ladder and rule, the task rules and the
counter policy — with where each is changed (``bankcrm.toml`` or the environment: a setting is
configuration the operator owns, reviewed and deployed, not a form on a screen)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nicegui import ui

from bankcrm.domain.counter.policy import LABELS_ZH, TxnType
from bankcrm.domain.task_rules import RULE_TITLES_ZH
from bankcrm.web.auth import Visit
from bankcrm.web.fmt import wan
from bankcrm.web.runtime import runtime

TIERS_ZH = (("gold", "金卡"), ("platinum", "白金"), ("diamond", "钻石"), ("private", "私人银行"))
BASIS_ZH = {"month_end": "月末时点余额", "average": "月日均余额（近 N 月平均）"}


def _table(
    visit: Visit, headers: tuple[tuple[str, str, str], ...], rows: list[dict[str, Any]], testid: str
) -> None:
    columns = [
        {"name": k, "label": visit.t(zh, en), "field": k, "align": "left"} for k, zh, en in headers
    ]
    ui.table(columns=columns, rows=rows).props(f'flat bordered dense data-testid="{testid}"')


def _where(visit: Visit, zh: str, en: str) -> None:
    ui.label(visit.t(zh, en)).classes("text-caption text-grey-8")


def build(visit: Visit) -> None:
    t, lang = visit.t, visit.lang
    settings = runtime().settings
    tiers = settings.tiers
    ui.label(t("客户层级阶梯", "Tier ladder")).classes("text-subtitle1")
    _table(
        visit,
        (("tier", "层级", "Tier"), ("bound", "下限（AUM）", "Lower bound")),
        [{"tier": t(zh, key), "bound": wan(getattr(tiers, key), lang)} for key, zh in TIERS_ZH],
        "tier-ladder",
    )
    ui.label(
        t(
            f"定级依据：{BASIS_ZH[tiers.basis.value]}；平均月数 {tiers.average_months}；"
            f"降级宽限 {tiers.downgrade_grace_months} 个月",
            f"Basis {tiers.basis.value}; average over {tiers.average_months} months; "
            f"downgrade grace {tiers.downgrade_grace_months} months",
        )
    )
    _where(
        visit,
        "修改：在 bankcrm.toml 的 [tiers] 段（例如 gold = 50000，单位元），重启服务后运行 "
        "bankcrm warehouse rebuild 按新阶梯重新定级。",
        "Change: [tiers] in bankcrm.toml (yuan), restart, then `bankcrm warehouse rebuild`.",
    )
    ui.separator()
    ui.label(t("任务规则", "Task rules")).classes("text-subtitle1")
    rules = []
    for name, rule in settings.tasks:
        params = {k: v for k, v in rule.model_dump().items() if k not in ("enabled", "due_days")}
        shown = "；".join(
            f"{k} = {wan(v, lang) if isinstance(v, Decimal) else v}" for k, v in params.items()
        )
        rules.append(
            {
                "rule": f"{RULE_TITLES_ZH.get(name, name)}（{name}）" if lang == "zh" else name,
                "enabled": t("启用", "on") if rule.enabled else t("停用", "off"),
                "due": t(f"{rule.due_days} 天", f"{rule.due_days} days"),
                "params": shown or "—",
            }
        )
    _table(
        visit,
        (
            ("rule", "规则", "Rule"),
            ("enabled", "状态", "State"),
            ("due", "完成期限", "Due"),
            ("params", "参数", "Parameters"),
        ),
        rules,
        "task-rules",
    )
    _where(
        visit,
        "修改：在 bankcrm.toml 的 [tasks.<规则名>] 段，例如 [tasks.maturity] days = 15 或 "
        "[tasks.birthday] enabled = false；重启服务后在下次生成任务时生效。",
        "Change: [tasks.<rule>] in bankcrm.toml; takes effect at the next task run.",
    )
    ui.separator()
    counter = settings.counter
    ui.label(t("柜面连续业务缓存", "Counter cache")).classes("text-subtitle1")
    ui.label(
        t(
            f"闲置超时 {counter.idle_timeout_seconds:g} 秒；最长保留 "
            f"{counter.absolute_timeout_seconds:g} 秒；缓存后端 {settings.cache.value}",
            f"Idle {counter.idle_timeout_seconds:g} s; absolute "
            f"{counter.absolute_timeout_seconds:g} s; backend {settings.cache.value}",
        )
    )

    def limit(value: Decimal | None) -> str:
        return "—" if value is None else t(f"超过{wan(value, lang)}", f"above {wan(value, lang)}")

    policy = [
        {
            "type": LABELS_ZH[k] if lang == "zh" else k.value,
            "cache": t("可沿用", "yes") if r.cache_allowed else t("不可", "no"),
            "fresh": limit(r.fresh_above_yuan) if r.cache_allowed else t("每次", "always"),
            "supervisor": t("每次", "always") if r.supervisor else limit(r.supervisor_above_yuan),
            "own": t("是", "yes") if r.confirm_each else "—",
        }
        for k, r in ((k, counter.policy[k]) for k in TxnType)
    ]
    _table(
        visit,
        (
            ("type", "业务", "Type"),
            ("cache", "缓存", "Cache"),
            ("fresh", "重新核验", "Fresh check"),
            ("supervisor", "负责人授权", "Supervisor"),
            ("own", "单独签名", "Own signature"),
        ),
        policy,
        "counter-policy",
    )
    _where(
        visit,
        "修改：在 bankcrm.toml 的 [counter] 与 [counter.policy.<业务>] 段，重启服务后生效。",
        "Change: [counter] and [counter.policy.<type>] in bankcrm.toml, then restart.",
    )
