"""Pure rules of the secure environment's workflow (R19.1, R19.2, R29.1). No ORM, clock or settings.

The SQL policy (`sqlpolicy`) and the output gate (`gate.rules`) hold the data rules; this module holds
who may act and when: an agreement must be in force, the submitter never reviews its own output (四眼原则),
only released outputs leave.
"""

from __future__ import annotations

import datetime as dt
import re

from shuyu.core.errors import DomainError

ACTIVE = "active"  # authorization.rules.AgreementStatus.ACTIVE
SUSPENDED = "suspended"
MAX_CODE_CHARS = 100_000

JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"running", "cancelled", "failed"}),
    "running": frozenset({"gated", "released", "blocked", "failed"}),
    "gated": frozenset({"released", "blocked"}),
    "released": frozenset(),
    "blocked": frozenset(),
    "failed": frozenset(),
    "cancelled": frozenset(),
}


def check_agreement_in_force(*, status: str, ends_on: dt.date, today: dt.date) -> None:
    """Every job stops at once while the agreement is suspended (第二十九条) or no longer in force."""
    if status == SUSPENDED:
        raise DomainError(
            "R29.1",
            "授权运营协议已暂停，开发利用环境中的作业一律停止",
            "the agreement is suspended: every job in the environment is stopped",
            code="agreement_suspended",
        )
    if status != ACTIVE or ends_on < today:
        raise DomainError(
            "R19.1",
            "授权运营协议未生效或已终止、期满，不得在开发利用环境中加工数据",
            "the agreement is not in force (not active, terminated or expired): no job may run",
            code="agreement_not_in_force",
        )


MIN_THRESHOLD = 10  # ACRO's defaults are the floor: an agreement may be stricter, never laxer
MAX_DOMINANCE_K = 0.90
MIN_P_PERCENT = 0.10


def check_gate_settings_not_laxer(*, threshold: int, dominance_k: float, p_percent: float) -> None:
    if threshold < MIN_THRESHOLD or dominance_k > MAX_DOMINANCE_K or p_percent < MIN_P_PERCENT:
        raise DomainError(
            "R19.2",
            "输出审查参数不得宽于默认值（最少贡献者10，支配规则k≤0.90，p%≥10%）",
            "gate settings may not be laxer than the defaults (threshold 10, k ≤ 0.90, p ≥ 10 %)",
        )


def check_job_transition(current: str, target: str) -> None:
    if target not in JOB_TRANSITIONS.get(current, frozenset()):
        raise DomainError(
            "R18.1",
            f"作业状态不允许此操作（{current} → {target}）",
            f"a job in state {current} cannot become {target}",
        )


def check_code_size(code: str) -> None:
    if not code.strip() or len(code) > MAX_CODE_CHARS:
        raise DomainError("R19.1", "代码为空或过长", "the code is empty or too long")


def check_reviewer_not_submitter(*, submitter_person_id: int, reviewer_person_id: int | None) -> None:
    """四眼原则: whoever submitted an output may never release or block it."""
    if reviewer_person_id is None or reviewer_person_id == submitter_person_id:
        raise DomainError(
            "R19.2",
            "提交人不得审查本人提交的输出（四眼原则）",
            "the submitter may not review its own output (four eyes)",
        )


def check_output_awaits_review(*, status: str, verdict: str) -> None:
    if status != "pending" or verdict != "review":
        raise DomainError(
            "R19.2",
            "只有待审查的输出可以审查，审查结果不可更改",
            "only an output awaiting review can be decided; decisions are final",
        )


def check_output_released(status: str) -> None:
    """Only released outputs leave the domain (第四条：原始数据不出域)."""
    if status != "released":
        raise DomainError(
            "R04.1",
            "输出未经审查放行，不得下载",
            "the output has not been released and cannot be downloaded",
        )


def can_download(status: str) -> bool:
    try:
        check_output_released(status)
    except DomainError:
        return False
    return True


_NOT_NAME = re.compile(r"[^a-z0-9_]+")


def table_name_for(resource_code: str) -> str:
    """The table name a job uses for a resource: its code, lower-case, `[a-z][a-z0-9_]*`."""
    name = _NOT_NAME.sub("_", resource_code.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"t_{name}"
    return name[:63]


def job_status_after_gate(statuses: list[str]) -> str:
    """A job is gated while any output awaits review, released if any output left, else blocked."""
    if not statuses:
        return "blocked"
    if "pending" in statuses:
        return "gated"
    if "released" in statuses:
        return "released"
    return "blocked"
