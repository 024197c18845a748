"""Workspaces, jobs, outputs, reviews and the release history of the secure environment (R18.1, R19.2).

A job's rows never live here unreleased in a form anything serves: `Output.rows` is the gated table kept
in the domain, handed out only by `services.download_released_output` once the output is released.
"""

from django.db import models


class JobKind(models.TextChoices):
    SQL = "sql", "SQL 查询"
    PYTHON = "python", "Python 脚本"
    DP = "dp", "差分隐私查询"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    APPROVAL = "approval", "待事前审批"  # 关联汇聚风险 above the threshold (R23.5)
    GATED = "gated", "待审查"
    RELEASED = "released", "已放行"
    BLOCKED = "blocked", "已拦截"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class OutputStatus(models.TextChoices):
    PENDING = "pending", "待审查"
    CHANGES = "changes", "附条件批准，待修改"  # back to the operator, who submits a new version
    SUPERSEDED = "superseded", "已由新版本取代"
    RELEASED = "released", "已放行"
    BLOCKED = "blocked", "已拦截"


class Workspace(models.Model):
    """A development workspace bound to one authorization agreement (第十八条、第十九条).

    Members are the agreement's operator's people; the visible resources are exactly the agreement's
    scope, read live from the agreement (never copied here).
    """

    agreement = models.ForeignKey(
        "authorization.Agreement", on_delete=models.PROTECT, related_name="+", verbose_name="授权运营协议"
    )
    operator = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="运营机构"
    )
    name = models.CharField("名称", max_length=100)
    created_at = models.DateTimeField("创建时间")
    created_by_person_id = models.BigIntegerField("创建人")

    class Meta:
        verbose_name = "开发工作区"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "name"], name="workspace_unique_name")]

    def __str__(self) -> str:
        return self.name


class AgreementGateSettings(models.Model):
    """The output gate's parameters for one agreement, set by its implementing agency (R19.2).

    Without a row the gate uses ACRO's defaults (threshold 10, dominance n=2 k=0.90, p% 10 %).
    """

    agreement = models.OneToOneField(
        "authorization.Agreement", on_delete=models.PROTECT, related_name="+", verbose_name="授权运营协议"
    )
    settings = models.JSONField("输出审查参数")
    set_at = models.DateTimeField("设置时间")
    set_by_person_id = models.BigIntegerField("设置人")

    class Meta:
        verbose_name = "输出审查参数"


class Job(models.Model):
    """One submitted SQL query or Python script; the row is also the queue entry a worker claims."""

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField("类型", max_length=8, choices=JobKind.choices)
    code = models.TextField("代码")
    code_sha256 = models.CharField("代码哈希", max_length=64)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # A coded error class and a fixed message (never an engine's or a job's own text).
    error_code = models.CharField("错误类别", max_length=40, blank=True)
    error_requirement = models.CharField("错误条款", max_length=10, blank=True)
    error_zh = models.CharField("错误说明", max_length=200, blank=True)
    error_en = models.CharField("错误说明（英文）", max_length=200, blank=True)
    log = models.CharField("脱敏日志", max_length=200, blank=True)
    resources = models.JSONField("涉及资源", default=list)  # [resource code, …]
    submitted_at = models.DateTimeField("提交时间")
    submitted_by_person_id = models.BigIntegerField("提交人")
    # A resubmission after 附条件批准: the output it revises and the version of the work (R19.2).
    revises = models.ForeignKey(
        "Output", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    revision = models.PositiveIntegerField("版本", default=1)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    # 关联汇聚风险 (R23.5): data source units, quasi-identifier names, the in-domain score, the decision.
    association = models.JSONField("关联汇聚风险", default=dict, blank=True)

    class Meta:
        verbose_name = "作业"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "id"], name="job_queue")]

    def __str__(self) -> str:
        return f"job {self.pk}"


class Output(models.Model):
    """One gated output of a job with its verdict and reasons (R19.2). `rows` stay in the domain."""

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="outputs")
    name = models.CharField("名称", max_length=64)
    verdict = models.CharField("审查结论", max_length=8)  # pass | review | block
    reasons = models.JSONField("理由", default=list)  # [{requirement, code, verdict, zh, en, cell, facts}]
    status = models.CharField(
        "状态", max_length=10, choices=OutputStatus.choices, default=OutputStatus.PENDING
    )
    columns = models.JSONField("列", default=list)
    rows = models.JSONField("结果（域内保存）", default=list)
    sha256 = models.CharField("结果哈希", max_length=64)
    # Candidate populations (keyed hashes of contributors, never identifiers), recorded on release.
    populations = models.JSONField("贡献者集合", default=list)
    created_at = models.DateTimeField("生成时间")
    released_at = models.DateTimeField("放行时间", null=True, blank=True)
    # When the output entered its current status (None: since `created_at`) and the status it was in
    # when its overdue alert was recorded (one alert per output and status, R19.2).
    status_at = models.DateTimeField("状态时间", null=True, blank=True)
    alerted_status = models.CharField("已预警状态", max_length=10, blank=True)

    class Meta:
        verbose_name = "作业输出"
        ordering = ["job_id", "id"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="output_unique_name")]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.name}"

    @property
    def version(self) -> int:
        """The version of the work this output belongs to: 1, then +1 per resubmission (R19.2)."""
        return self.job.revision


class ReviewKind(models.TextChoices):
    SECURITY = "security", "安全审查"
    BUSINESS = "business", "业务审查"


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", "批准"
    CONDITIONAL = "conditional", "附条件批准"
    REJECT = "reject", "驳回"


class Review(models.Model):
    """One of the two reviews (security, business) of an output version by the implementing agency.

    Two different people, neither the submitter (四眼原则). `receipt` is the signed receipt of the decision.
    """

    output = models.ForeignKey(Output, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField("审查类型", max_length=8, choices=ReviewKind.choices)
    version = models.PositiveIntegerField("版本", default=1)
    decision = models.CharField("决定", max_length=12, choices=ReviewDecision.choices)
    note = models.CharField("理由", max_length=500)
    changes = models.JSONField("修改要求", default=list)  # [{action, cell, detail}]
    decided_at = models.DateTimeField("决定时间")
    decided_by_person_id = models.BigIntegerField("审查人")
    receipt = models.JSONField("签名回执", default=dict)

    class Meta:
        verbose_name = "输出审查"
        ordering = ["output_id", "version", "decided_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["output", "kind", "version"], name="review_one_per_kind_version")
        ]


class ReleasedPopulation(models.Model):
    """A released cell's contributors (keyed hashes), per operator and resource: the differencing memory."""

    operator = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    resource = models.CharField("资源", max_length=64)
    label = models.CharField("单元格", max_length=200)
    members = models.JSONField("贡献者（键控哈希）")
    output = models.ForeignKey(Output, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField("放行时间")

    class Meta:
        verbose_name = "已放行单元格"
        indexes = [models.Index(fields=["operator", "resource"], name="released_population_lookup")]


class DpBudget(models.Model):
    """The privacy-loss budget (ε, δ) of one agreement on one resource, set by its agency (R18.2).

    `*_spent` only grows, under `select_for_update`, in the same transaction as the release it pays for.
    """

    agreement = models.ForeignKey(
        "authorization.Agreement", on_delete=models.PROTECT, related_name="+", verbose_name="授权运营协议"
    )
    resource = models.CharField("资源", max_length=64)
    epsilon_total = models.FloatField("ε 总预算")
    delta_total = models.FloatField("δ 总预算", default=0.0)
    epsilon_spent = models.FloatField("已用 ε", default=0.0)
    delta_spent = models.FloatField("已用 δ", default=0.0)
    set_at = models.DateTimeField("设置时间")
    set_by_person_id = models.BigIntegerField("设置人")

    class Meta:
        verbose_name = "差分隐私预算"
        constraints = [
            models.UniqueConstraint(fields=["agreement", "resource"], name="dp_budget_unique"),
            models.CheckConstraint(
                condition=models.Q(epsilon_spent__lte=models.F("epsilon_total") * 1.000001),
                name="dp_budget_epsilon_not_overspent",
            ),
            models.CheckConstraint(  # the database's own guard under the locked conditional update (R18.2)
                condition=models.Q(delta_spent__lte=models.F("delta_total") * 1.000001),
                name="dp_budget_delta_not_overspent",
            ),
        ]

    @property
    def epsilon_remaining(self) -> float:
        return max(0.0, self.epsilon_total - self.epsilon_spent)

    @property
    def delta_remaining(self) -> float:
        return max(0.0, self.delta_total - self.delta_spent)


class DpRelease(models.Model):
    """One DP release with its parameters (never the true value): what was spent, how, on what (R18.2)."""

    budget = models.ForeignKey(DpBudget, on_delete=models.PROTECT, related_name="releases")
    output = models.OneToOneField(Output, on_delete=models.PROTECT, related_name="dp_release")
    epsilon = models.FloatField("ε")
    delta = models.FloatField("δ")
    parameters = models.JSONField("参数")  # statistic, keys, bounds, k, mechanism, scales
    released_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = "差分隐私发布"
        ordering = ["id"]
