"""Pure checks on resources entering an authorization scope (R05.1–R05.3, N-CLS.7)."""

from dataclasses import dataclass

from shuyu.core.errors import DomainError


@dataclass(frozen=True)
class ResourceFacts:
    id: int
    code: str
    name: str
    grading_level: str  # "" when not graded
    forbidden: bool  # any R05.2 flag
    shared_from_other: bool
    sharing_consented: bool
    important_approved: bool


def check_resource_may_enter_scope(r: ResourceFacts) -> None:
    """A resource may enter a plan or agreement only when all of R05.1–R05.3 hold."""
    if r.forbidden:  # R05.2
        raise DomainError(
            "R05.2",
            f"资源「{r.name}」涉及国家秘密、影响公共安全社会稳定或依法不能对社会开放，不得开展授权运营",
            f"resource {r.code} is excluded from authorized operation by law",
            resource=r.code,
        )
    if not r.grading_level:  # R05.1
        raise DomainError(
            "R05.1",
            f"资源「{r.name}」未完成分类分级，不得纳入授权范围",
            f"resource {r.code} is not classified and graded",
            resource=r.code,
        )
    if r.grading_level == "core":  # N-CLS.7 (policy): core data never enters
        raise DomainError(
            "R05.1",
            f"资源「{r.name}」为核心数据，不得纳入授权运营",
            f"resource {r.code} is core data",
            resource=r.code,
        )
    if r.grading_level == "important" and not r.important_approved:  # N-CLS.7
        raise DomainError(
            "R05.1",
            f"资源「{r.name}」为重要数据，须有风险评估并经数据管理部门批准",
            f"resource {r.code} is important data without risk assessment and approval",
            resource=r.code,
        )
    if r.shared_from_other and not r.sharing_consented:  # R05.3
        raise DomainError(
            "R05.3",
            f"资源「{r.name}」经政务数据共享获得，须征得共享数据提供单位同意",
            f"resource {r.code} was obtained by sharing and lacks the providing unit's consent",
            resource=r.code,
        )
