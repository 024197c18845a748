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
    "running": frozenset({"approval", "gated", "released", "blocked", "failed"}),
    # held for the implementing agency's prior approval (R23.5): approved → queued again, or rejected
    "approval": frozenset({"queued", "blocked", "cancelled", "failed"}),
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


FINAL_OUTPUT_STATUSES = frozenset({"released", "blocked", "superseded"})


def check_output_awaits_review(*, status: str, verdict: str) -> None:
    """Final states (released, blocked/驳回) never change; an output sent back for changes waits for the
    operator's new version, whose reviews start empty (R19.2)."""
    if status in FINAL_OUTPUT_STATUSES:
        raise DomainError(
            "R19.2",
            "输出已放行、驳回或由新版本取代，为最终状态，不可更改",
            "the output is released, rejected or superseded: a final state that cannot change",
            code="output_final",
        )
    if status == "changes":
        raise DomainError(
            "R19.2",
            "输出已附条件批准并退回修改，须由运营机构提交新版本后重新审查",
            "the output was approved subject to change: the operator must submit a new version first",
            code="output_awaits_changes",
        )
    if status != "pending" or verdict != "review":
        raise DomainError(
            "R19.2",
            "只有待审查的输出可以审查，审查结果不可更改",
            "only an output awaiting review can be decided; decisions are final",
        )


# --- two-person review (四眼原则): a security and a business review by two different people ------------

REVIEW_KINDS = ("security", "business")
REVIEW_DECISIONS = ("approve", "conditional", "reject")
CHANGE_ACTIONS = ("suppress", "round", "remove", "other")
MAX_CHANGES = 50
REVIEW_DEADLINE_WORKDAYS = 5  # default; `config.review_deadline_workdays()` may set another


def check_review_slot(*, kind: str, reviewer_person_id: int, decided: dict[str, int]) -> None:
    """One review per kind and version; one person never takes both (`decided`: kind → reviewer)."""
    if kind not in REVIEW_KINDS:
        raise DomainError(
            "R19.2", "审查类型须为安全审查或业务审查", "the review kind must be security or business"
        )
    if kind in decided:
        raise DomainError(
            "R19.2",
            "本版本的该类审查已经作出，不可更改",
            "this review of this version has been decided and cannot change",
            code="review_decided",
        )
    if reviewer_person_id in decided.values():
        raise DomainError(
            "R19.2",
            "安全审查与业务审查须由两名不同人员作出（四眼原则）",
            "the security and the business review must be made by two different people (four eyes)",
            code="same_reviewer",
        )


def check_review_decision(*, decision: str, note: str, changes: list[dict] | None) -> tuple[str, list]:
    """A decision, its reason, and — only for 附条件批准 — the required changes; returns (note, changes)."""
    if decision not in REVIEW_DECISIONS:
        raise DomainError(
            "R19.2",
            "审查决定须为批准、附条件批准或驳回",
            "the decision must be approve, conditional (approve subject to change) or reject",
        )
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise DomainError("R19.2", "请填写审查理由（500字以内）", "give the reason (up to 500 characters)")
    normalized = [_change(c) for c in (changes or [])]
    if decision == "conditional" and not normalized:
        raise DomainError(
            "R19.2",
            "附条件批准须写明要求的修改（如抑制、取整或删除某单元格）",
            "approval subject to change must name the required changes (e.g. suppress, round, remove a cell)",
        )
    if decision != "conditional" and normalized:
        raise DomainError(
            "R19.2", "只有附条件批准可以提出修改要求", "only an approval subject to change names changes"
        )
    if len(normalized) > MAX_CHANGES:
        raise DomainError("R19.2", "修改要求过多", "too many required changes")
    return note, normalized


def _change(c) -> dict:
    bad = DomainError(
        "R19.2",
        "修改要求无效：动作须为 suppress/round/remove/other，单元格为行号",
        "invalid required change: the action is suppress/round/remove/other, the cell a row number",
    )
    if not isinstance(c, dict):
        raise bad
    action, cell, detail = c.get("action"), c.get("cell"), str(c.get("detail") or "").strip()
    if action not in CHANGE_ACTIONS or len(detail) > 200:
        raise bad
    if cell is not None and (isinstance(cell, bool) or not isinstance(cell, int) or cell < 0):
        raise bad
    if action == "other" and not detail:
        raise bad
    return {"action": action, "cell": cell, "detail": detail}


def parse_changes(text: str) -> list[dict]:
    """`动作 [行号] [说明]` per line (CLI and page), e.g. `suppress 3 少于10人`, `remove 0`, `other 说明`."""
    out = []
    for line in (text or "").splitlines():
        parts = line.strip().split(None, 2)
        if not parts:
            continue
        action, rest = parts[0].lower(), parts[1:]
        cell = None
        if rest and rest[0].isdigit():
            cell, rest = int(rest[0]), rest[1:]
        detail = " ".join(rest)
        out.append({"action": action, "cell": cell, "detail": detail})
    return out


def review_outcome(decisions: dict[str, str]) -> str:
    """The output's status from its version's reviews (kind → decision).

    Any reject blocks at once (驳回, final). Otherwise the output waits until both kinds decided: released
    only when both approve; sent back to the operator (`changes`) when either approved subject to change.
    """
    if "reject" in decisions.values():
        return "blocked"
    if set(decisions) < set(REVIEW_KINDS):
        return "pending"
    if all(d == "approve" for d in decisions.values()):
        return "released"
    return "changes"


def check_output_awaits_changes(status: str) -> None:
    """Only an output approved subject to change takes a new version (R19.2)."""
    if status != "changes":
        raise DomainError(
            "R19.2",
            "只有附条件批准、待修改的输出可以提交新版本",
            "only an output approved subject to change takes a new version",
            code="not_awaiting_changes",
        )


def review_due_on(since: dt.date, *, add_workdays, workdays: int) -> dt.date:
    """The day by which an output must leave its state (pending or changes): `workdays` working days."""
    return add_workdays(since, workdays)


def is_overdue(*, due_on: dt.date, today: dt.date) -> bool:
    return today > due_on


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
    """A job is gated while any output awaits review or changes, released if any output left, else blocked."""
    if not statuses:
        return "blocked"
    if "pending" in statuses or "changes" in statuses:
        return "gated"
    if "released" in statuses:
        return "released"
    return "blocked"
