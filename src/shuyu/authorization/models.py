"""Tables of the authorization workflow: designations, plans and their versions, approvals, filings,
amendments, operator selections, agreements. Written only by `services` (docs/STYLE.md)."""

from django.db import models
from django.db.models import Q

from . import rules

_Mode = [(m.value, rules.MODE_LABELS[m]) for m in rules.Mode]


def _paired(prefix: str, a: str, b: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{a}__isnull": True, f"{b}__isnull": True})
        | Q(**{f"{a}__isnull": False, f"{b}__isnull": False}),
        name=f"{prefix}_{a}_{b}_paired",
    )


class Designation(models.Model):
    """A city government's designation of its implementing agency, filed with the province (R08.1)."""

    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, verbose_name="行政区划")
    agency = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="designations", verbose_name="实施机构"
    )
    government = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="确定机关（人民政府）"
    )
    decision_ref = models.CharField("确定文件", max_length=200)
    designated_on = models.DateField("确定日期")
    designated_at = models.DateTimeField("记录时间")
    designated_by_person_id = models.BigIntegerField("记录人")
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by_person_id = models.BigIntegerField("备案接收人", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "实施机构确定"
        ordering = ["region_id", "-designated_on"]
        constraints = [_paired("designation", "filed_at", "filed_by_person_id")]

    def __str__(self) -> str:
        return f"{self.region_id}:{self.agency_id}"


class Plan(models.Model):
    """An implementation plan (实施方案) across its versions; its content lives in `PlanVersion`."""

    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, verbose_name="行政区划")
    agency = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="plans", verbose_name="实施机构"
    )
    authorizer_type = models.CharField(
        "授权主体类型",
        max_length=20,
        choices=[(t.value, rules.AUTHORIZER_LABELS[t]) for t in rules.AuthorizerType],
        default=rules.AuthorizerType.GOVERNMENT,
    )  # N-SPEC.10
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "授权运营实施方案"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"方案{self.pk}"


class PlanVersion(models.Model):
    """One version of a plan: the 12 items of 第十一条 and the feasibility study (R11.1, R12.1).

    Approved versions are frozen (R13.1); a major change makes a new version."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions", verbose_name="实施方案")
    number = models.PositiveIntegerField("版本号")
    status = models.CharField(
        "状态",
        max_length=12,
        choices=[(s.value, rules.PLAN_STATUS_LABELS[s]) for s in rules.PlanStatus],
        default=rules.PlanStatus.DRAFT,
    )
    # (一)
    name = models.CharField("（一）授权运营名称", max_length=200)
    # (二) + 第十二条 five parts in `feasibility` (keys rules.FEASIBILITY_KEYS)
    necessity = models.TextField("（二）必要性论证", blank=True)
    feasibility = models.JSONField("（二）可行性论证", default=dict, blank=True)
    # (三) keys rules.OPERATOR_CONDITION_KEYS: funds, management, technology, service, security
    operator_conditions = models.JSONField("（三）运营机构选择条件", default=dict, blank=True)
    # (四)
    mode = models.CharField("（四）授权运营模式", max_length=10, choices=_Mode, default=rules.Mode.WHOLE)
    scenario = models.CharField("应用场景（依场景授权）", max_length=200, blank=True)
    # (五) resources through PlanResource
    update_frequency = models.TextField("（五）数据更新频率", blank=True)
    data_quality = models.TextField("（五）数据质量情况", blank=True)
    # (六)
    term_years = models.PositiveSmallIntegerField("（六）授权运营期限（年）", null=True, blank=True)
    construction = models.TextField("（六）建设内容", blank=True)
    technical_support = models.TextField("（六）技术保障", blank=True)
    schedule = models.TextField("（六）实施进度", blank=True)
    evaluation_standard = models.TextField("（六）评价标准", blank=True)
    exit_mechanism = models.TextField("（六）退出机制", blank=True)
    asset_management = models.TextField("（六）资产管理", blank=True)
    # (七) list of {name, product_class, form, description}
    products = models.JSONField("（七）产品和服务清单", default=list, blank=True)
    # (八)
    accounting_mechanism = models.TextField("（八）成本收入核算机制", blank=True)
    revenue_distribution = models.TextField("（八）收益分配机制", blank=True)
    # (九)
    data_security = models.TextField("（九）数据安全措施", blank=True)
    personal_info_protection = models.TextField("（九）个人信息保护措施", blank=True)
    emergency_response = models.TextField("（九）应急处置措施", blank=True)
    # (十)–(十二)
    rights_obligations = models.TextField("（十）各方权利义务", blank=True)
    supervision_evaluation = models.TextField("（十一）监督管理及考核评价", blank=True)
    other_matters = models.TextField("（十二）其他事项", blank=True)
    priority_fields = models.JSONField(
        "重点领域（民生、行业发展潜力、产业战略）", default=list, blank=True
    )  # R05.4
    change_summary = models.TextField("较大变更说明", blank=True)

    created_at = models.DateTimeField("创建时间")
    created_by_person_id = models.BigIntegerField("编制人", null=True)
    submitted_at = models.DateTimeField("报审时间", null=True, blank=True)
    submitted_by_person_id = models.BigIntegerField("报审人", null=True, blank=True)
    # R13.1 三重一大 decision of the same-level government
    approval_meeting = models.CharField("审议会议", max_length=200, blank=True)
    approval_decision_ref = models.CharField("决策文号/纪要", max_length=200, blank=True)
    approved_on = models.DateField("审议通过日期", null=True, blank=True)
    approved_by_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审议机关",
    )
    decided_at = models.DateTimeField("审议记录时间", null=True, blank=True)
    decided_by_person_id = models.BigIntegerField("审议记录人", null=True, blank=True)
    return_reason = models.TextField("退回理由", blank=True)
    # R13.2 filing with the provincial data_admin
    filing_due_on = models.DateField("备案截止日期", null=True, blank=True)
    filed_on = models.DateField("备案日期", null=True, blank=True)
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by_person_id = models.BigIntegerField("备案人", null=True, blank=True)
    filed_by_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="备案单位",
    )

    class Meta:
        verbose_name = "实施方案版本"
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique"),
            _paired("planversion", "submitted_at", "submitted_by_person_id"),
            _paired("planversion", "decided_at", "decided_by_person_id"),
            _paired("planversion", "filed_at", "filed_by_person_id"),
            models.CheckConstraint(
                condition=Q(term_years__isnull=True) | Q(term_years__gte=1, term_years__lte=5),
                name="planversion_term_1_to_5_years",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_on__isnull=False, filing_due_on__isnull=False),
                name="planversion_approved_has_date_and_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.number}版）"

    @property
    def resource_ids(self) -> list[int]:
        return [pr.resource_id for pr in self.plan_resources.all()]


class PlanResource(models.Model):
    """A data resource in a plan version's scope (第十一条（五）, R05.*)."""

    version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="plan_resources", verbose_name="方案版本"
    )
    resource = models.ForeignKey("catalog.DataResource", on_delete=models.PROTECT, verbose_name="数据资源")

    class Meta:
        verbose_name = "方案数据资源"
        constraints = [models.UniqueConstraint(fields=["version", "resource"], name="plan_resource_unique")]


class PlanAmendment(models.Model):
    """A minor change to an approved plan version, recorded rather than re-approved (R13.1)."""

    version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="amendments", verbose_name="方案版本"
    )
    field_name = models.CharField("修改事项", max_length=50)
    old_value = models.TextField("原内容")
    new_value = models.TextField("新内容")
    reason = models.TextField("理由")
    amended_at = models.DateTimeField("修改时间")
    amended_by_person_id = models.BigIntegerField("修改人")

    class Meta:
        verbose_name = "实施方案一般修正"
        ordering = ["version_id", "amended_at"]


class Selection(models.Model):
    """An operator selection by 公开招标 / 邀请招标 / 谈判 under an approved plan (R14.1)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="selections", verbose_name="实施方案"
    )
    plan_version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="selections", verbose_name="依据的方案版本"
    )
    title = models.CharField("项目名称", max_length=200)
    method = models.CharField(
        "选择方式",
        max_length=20,
        choices=[(m.value, rules.SELECTION_METHOD_LABELS[m]) for m in rules.SelectionMethod],
    )
    status = models.CharField(
        "状态",
        max_length=12,
        choices=[(s.value, rules.SELECTION_STATUS_LABELS[s]) for s in rules.SelectionStatus],
        default=rules.SelectionStatus.PREPARING,
    )
    created_at = models.DateTimeField("创建时间")
    created_by_person_id = models.BigIntegerField("创建人")
    opened_at = models.DateTimeField("发布时间", null=True, blank=True)
    winner = models.ForeignKey(
        "Candidate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="中选单位",
    )
    decided_on = models.DateField("确定日期", null=True, blank=True)
    decision_ref = models.CharField("结果文件", max_length=200, blank=True)
    decided_at = models.DateTimeField("确定时间", null=True, blank=True)
    decided_by_person_id = models.BigIntegerField("确定人", null=True, blank=True)
    failure_reason = models.TextField("流标/终止理由", blank=True)

    class Meta:
        verbose_name = "运营机构选择"
        ordering = ["-created_at"]
        constraints = [_paired("selection", "decided_at", "decided_by_person_id")]

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    """Consultation on the agreement terms in the tender/negotiation documents (N-SPEC.3)."""

    selection = models.ForeignKey(
        Selection, on_delete=models.PROTECT, related_name="consultations", verbose_name="运营机构选择"
    )
    parties = models.TextField("征求意见对象")
    consulted_on = models.DateField("征求意见日期")
    comments = models.TextField("收到的意见")
    response = models.TextField("采纳情况", blank=True)
    recorded_at = models.DateTimeField("记录时间")
    recorded_by_person_id = models.BigIntegerField("记录人")

    class Meta:
        verbose_name = "协议内容征求意见"
        ordering = ["selection_id", "consulted_on"]


class Candidate(models.Model):
    """A candidate operator in a selection, with its assessment against the plan's conditions (R14.2)."""

    selection = models.ForeignKey(
        Selection, on_delete=models.PROTECT, related_name="candidates", verbose_name="运营机构选择"
    )
    operator = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="候选单位"
    )
    conditions_met = models.JSONField("选择条件符合情况", default=dict)  # keys rules.OPERATOR_CONDITION_KEYS
    data_security_compliant = models.BooleanField("符合国家数据安全保护要求", default=False)
    evidence = models.TextField("证明材料", blank=True)
    score = models.DecimalField("评分", max_digits=5, decimal_places=2, null=True, blank=True)
    score_notes = models.TextField("评分说明", blank=True)
    added_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "候选运营机构"
        ordering = ["selection_id", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "operator"], name="candidate_once_per_selection"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="candidate_score_0_100",
            ),
        ]


class Agreement(models.Model):
    """A 授权运营协议 with the 13 items of 第十六条 and the no-re-development clause (R16.1, N-SPEC.1)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="agreements", verbose_name="实施方案"
    )
    plan_version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="agreements", verbose_name="依据的方案版本"
    )
    selection = models.ForeignKey(
        Selection, on_delete=models.PROTECT, related_name="agreements", verbose_name="运营机构选择"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, verbose_name="行政区划")
    agency = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="agreements_as_agency",
        verbose_name="实施机构",
    )
    operator = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="agreements_as_operator",
        verbose_name="运营机构",
    )
    title = models.CharField("协议名称", max_length=200)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=[(s.value, rules.AGREEMENT_STATUS_LABELS[s]) for s in rules.AgreementStatus],
        default=rules.AgreementStatus.DRAFT,
    )
    mode = models.CharField("授权运营模式", max_length=10, choices=_Mode)
    scenario = models.CharField("应用场景", max_length=200, blank=True)
    # (一) resources through AgreementResource; (二)
    starts_on = models.DateField("（二）运营期限起")
    ends_on = models.DateField("（二）运营期限止")
    # (三) list of {name, product_class, form, description, technical_standard, security_review, business_review}
    products = models.JSONField("（三）产品和服务清单", default=list)
    technical_platform = models.TextField("（四）技术支撑平台")
    asset_ownership = models.TextField("（五）资产权属")
    disclosure_duties = models.TextField("（六）信息披露要求")
    no_redevelopment_clause = models.BooleanField(
        "运营机构不得直接或间接参与再开发", default=False
    )  # N-SPEC.1
    accounting_revenue = models.TextField("（七）核算要求、收益分配机制")
    security_measures = models.TextField("（八）数据安全、个人信息保护、风险监测、应急处置")
    evaluation_renewal_exit = models.TextField("（九）运营成效评价，续约或退出机制")
    liability = models.TextField("（十）违约责任")
    dispute_resolution = models.TextField("（十一）争议解决方式")
    change_termination = models.TextField("（十二）协议变更、终止条件")
    other_matters = models.TextField("（十三）其他事项")

    created_at = models.DateTimeField("创建时间")
    created_by_person_id = models.BigIntegerField("拟定人")
    # R15.1 the agency's own 三重一大 review, then signing
    review_meeting = models.CharField("本单位“三重一大”审议会议", max_length=200, blank=True)
    review_decision_ref = models.CharField("审议纪要/文号", max_length=200, blank=True)
    reviewed_on = models.DateField("审议日期", null=True, blank=True)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    signed_at = models.DateTimeField("签订记录时间", null=True, blank=True)
    signed_by_person_id = models.BigIntegerField("签订经办人", null=True, blank=True)
    # R15.1 filing with the same-level data_admin
    filing_due_on = models.DateField("备案截止日期", null=True, blank=True)
    filed_on = models.DateField("备案日期", null=True, blank=True)
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by_person_id = models.BigIntegerField("备案人", null=True, blank=True)
    activated_at = models.DateTimeField("生效时间", null=True, blank=True)
    status_reason = models.TextField("最近状态变更理由", blank=True)
    ended_at = models.DateTimeField("终止时间", null=True, blank=True)

    class Meta:
        verbose_name = "授权运营协议"
        ordering = ["-created_at"]
        constraints = [
            _paired("agreement", "signed_at", "signed_by_person_id"),
            _paired("agreement", "filed_at", "filed_by_person_id"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="agreement_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(status="terminated", signed_on__isnull=True)
                | Q(signed_on__isnull=False),
                name="agreement_signed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def resource_ids(self) -> list[int]:
        return [ar.resource_id for ar in self.agreement_resources.all()]

    @property
    def field_grants(self) -> dict[int, list[str]]:
        """Resources granted with a field list (R19.1); the others are granted every catalogued field."""
        return {
            ar.resource_id: list(ar.granted_fields)
            for ar in self.agreement_resources.all()
            if ar.granted_fields is not None
        }


class AgreementResource(models.Model):
    """A data resource in an agreement's scope (第十六条（一）, R16.3)."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="agreement_resources", verbose_name="协议"
    )
    resource = models.ForeignKey("catalog.DataResource", on_delete=models.PROTECT, verbose_name="数据资源")
    # R19.1: the granted fields; null = every catalogued field of the resource.
    granted_fields = models.JSONField("授权字段", null=True, blank=True)

    class Meta:
        verbose_name = "协议数据资源"
        constraints = [
            models.UniqueConstraint(fields=["agreement", "resource"], name="agreement_resource_unique")
        ]


class Cosignature(models.Model):
    """A participating data source unit's co-signature of a 分领域授权 agreement (R09.1)."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="cosignatures", verbose_name="协议"
    )
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="数源单位"
    )
    signed_at = models.DateTimeField("会签时间")
    signed_by_person_id = models.BigIntegerField("会签人")

    class Meta:
        verbose_name = "数源单位会签"
        constraints = [models.UniqueConstraint(fields=["agreement", "org"], name="cosignature_once")]
