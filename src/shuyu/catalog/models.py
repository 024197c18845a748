"""Tables of the catalog: resources and their fields, grading decisions, vault versions, quality reports,
evidence deposits (存证) and registrations (登记). Nothing here holds a data value: values live only in the
vault's Parquet files (R04.1)."""

from django.db import models


class GradingLevel(models.TextChoices):
    CORE = "core", "核心数据"
    IMPORTANT = "important", "重要数据"
    GENERAL = "general", "一般数据"


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", "实时"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    YEARLY = "yearly", "每年"
    IRREGULAR = "irregular", "不定期"


class OpenAttribute(models.TextChoices):
    OPEN = "open", "无条件开放"
    CONDITIONAL = "conditional", "有条件开放"
    NOT_OPEN = "not_open", "不予开放"


class FieldType(models.TextChoices):
    STRING = "string", "字符串"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "小数"
    DATE = "date", "日期"
    DATETIME = "datetime", "日期时间"
    BOOLEAN = "boolean", "布尔"


class Sensitivity(models.TextChoices):
    DIRECT = "direct", "直接标识符"
    QUASI = "quasi", "准标识符"
    SENSITIVE = "sensitive", "敏感个人信息"
    NONE = "none", "非敏感"


class FieldFormat(models.TextChoices):
    NONE = "", "无"
    CN_ID = "cn_id", "公民身份号码（GB 11643）"
    USCC = "uscc", "统一社会信用代码（GB 32100）"
    MOBILE = "mobile", "手机号码"
    REGION = "region", "行政区划代码（GB/T 2260）"
    CODE_LIST = "code_list", "代码表"


class DataResource(models.Model):
    """A public data resource held by a data source unit (数源单位), with its classification and grading."""

    code = models.CharField("资源编码", max_length=64, unique=True)
    name = models.CharField("资源名称", max_length=200)
    provider = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="resources", verbose_name="数源单位"
    )
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, verbose_name="行政区划")
    description = models.TextField("数据内容简介", blank=True)
    update_frequency = models.CharField("更新频率", max_length=30, blank=True)
    # 分类分级 (R05.1, R07.1, N-CLS.*): empty until the data source unit or its industry authority grades it.
    grading_level = models.CharField("分级", max_length=10, choices=GradingLevel.choices, blank=True)
    graded_at = models.DateTimeField("分级时间", null=True, blank=True)
    graded_by_person_id = models.BigIntegerField("分级人", null=True, blank=True)
    # R05.2: never authorizable.
    involves_state_secrets = models.BooleanField("涉及国家秘密", default=False)
    affects_public_security = models.BooleanField("影响公共安全、社会稳定", default=False)
    legally_not_open = models.BooleanField("法律法规明确规定不能对社会开放", default=False)
    # R05.3: obtained through 政务数据共享 from another region or department.
    shared_from = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="共享数据提供单位",
    )
    sharing_consent_at = models.DateTimeField("提供单位同意时间", null=True, blank=True)
    sharing_consent_ref = models.CharField("同意文件", max_length=200, blank=True)
    # N-CLS.7: 重要数据 needs a recorded risk assessment and the data_admin's approval.
    risk_assessment_ref = models.CharField("风险评估报告", max_length=200, blank=True)
    important_approved_at = models.DateTimeField("数据管理部门批准时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间")
    # --- the catalog issue's additions ---
    industry_authority = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_resources",
        verbose_name="行业主管部门",
    )
    sector = models.CharField("行业领域", max_length=50, blank=True)  # N-CLS.4
    business_attributes = models.JSONField("业务属性", default=list, blank=True)  # N-CLS.4
    open_attribute = models.CharField(
        "开放属性", max_length=20, choices=OpenAttribute.choices, default=OpenAttribute.CONDITIONAL
    )
    graded_by_org_id = models.BigIntegerField("分级单位", null=True, blank=True)
    risk_assessment_at = models.DateTimeField("风险评估记录时间", null=True, blank=True)
    important_approved_by_person_id = models.BigIntegerField("批准人", null=True, blank=True)
    # N-REG.9: the day the resource was first provided in authorized operation starts the 20-day clock.
    first_provided_on = models.DateField("首次提供日期", null=True, blank=True)
    # R32.1 / N-REG.9: operated before the 办法 took effect (2025-03-01): the transitional deadline applies.
    pre_existing_operation = models.BooleanField("办法施行前已开展运营", default=False)
    created_by_person_id = models.BigIntegerField("创建人", null=True, blank=True)

    class Meta:
        verbose_name = "公共数据资源"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(graded_at__isnull=True, graded_by_person_id__isnull=True)
                | models.Q(graded_at__isnull=False, graded_by_person_id__isnull=False),
                name="resource_graded_at_by_paired",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    important_approved_at__isnull=True, important_approved_by_person_id__isnull=True
                )
                | models.Q(
                    important_approved_at__isnull=False, important_approved_by_person_id__isnull=False
                ),
                name="resource_important_approved_at_by_paired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def forbidden(self) -> bool:
        return self.involves_state_secrets or self.affects_public_security or self.legally_not_open


class ResourceField(models.Model):
    """One column of a resource: type, unit, format, whether it is the disclosure unit, and sensitivity."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField("顺序")
    name = models.CharField("字段名", max_length=64)
    label = models.CharField("中文名称", max_length=100, blank=True)
    type = models.CharField("类型", max_length=10, choices=FieldType.choices, default=FieldType.STRING)
    scale = models.PositiveSmallIntegerField("小数位数", default=2)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    format = models.CharField("格式", max_length=10, choices=FieldFormat.choices, blank=True, default="")
    code_list = models.JSONField("代码表取值", default=list, blank=True)
    required = models.BooleanField("必填", default=False)
    is_key = models.BooleanField("主键字段", default=False)
    # The key of the person or enterprise a row is about; the output gate counts contributors by it.
    is_disclosure_unit = models.BooleanField("披露单元", default=False)
    sensitivity = models.CharField(
        "敏感性", max_length=10, choices=Sensitivity.choices, default=Sensitivity.NONE
    )
    suggested_sensitivity = models.CharField(
        "建议敏感性", max_length=10, choices=Sensitivity.choices, blank=True
    )
    sensitivity_confirmed_at = models.DateTimeField("敏感性确认时间", null=True, blank=True)
    sensitivity_confirmed_by_person_id = models.BigIntegerField("敏感性确认人", null=True, blank=True)

    class Meta:
        verbose_name = "数据项"
        ordering = ["resource_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "name"], name="field_unique_name"),
            models.UniqueConstraint(
                fields=["resource"],
                condition=models.Q(is_disclosure_unit=True),
                name="field_one_disclosure_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    sensitivity_confirmed_at__isnull=True, sensitivity_confirmed_by_person_id__isnull=True
                )
                | models.Q(
                    sensitivity_confirmed_at__isnull=False, sensitivity_confirmed_by_person_id__isnull=False
                ),
                name="field_confirmed_at_by_paired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.name}（{self.name}）"


class GradingDecision(models.Model):
    """One classification and grading decision with its factors, so it can be audited (N-CLS.3/4, R07.1)."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="grading_decisions")
    level = models.CharField("分级", max_length=10, choices=GradingLevel.choices)
    sector = models.CharField("行业领域", max_length=50)
    business_attributes = models.JSONField("业务属性", default=list)
    impacts = models.JSONField("影响对象与程度", default=list)  # [[object, degree], …]
    grading_factors = models.JSONField("分级要素", default=dict)
    general_sublevel = models.PositiveSmallIntegerField("一般数据子级", null=True, blank=True)  # N-CLS.6
    basis = models.CharField("依据身份", max_length=30)  # data_source_unit | industry_authority
    decided_at = models.DateTimeField("决定时间")
    decided_by_person_id = models.BigIntegerField("决定人")
    decided_by_org_id = models.BigIntegerField("决定单位")

    class Meta:
        verbose_name = "分类分级决定"
        ordering = ["resource_id", "decided_at", "id"]


class ConsistencyRule(models.Model):
    """A consistency rule a data source unit adds, comparing two fields of a row (第二十三条)."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="consistency_rules")
    left = models.CharField("左字段", max_length=64)
    op = models.CharField("比较", max_length=2)
    right = models.CharField("右字段", max_length=64)
    description = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间")
    created_by_person_id = models.BigIntegerField("创建人")

    class Meta:
        verbose_name = "一致性规则"


class VersionMode(models.TextChoices):
    FULL = "full", "全量更新"
    APPEND = "append", "增量追加"


class ResourceVersion(models.Model):
    """An immutable load of a resource into the vault: its Parquet parts, row count and manifest hash."""

    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    mode = models.CharField("加载方式", max_length=10, choices=VersionMode.choices)
    # [{"path": relative to the vault, "sha256": …, "rows": …}, …]; an append version reuses earlier parts.
    parts = models.JSONField("数据文件")
    row_count = models.BigIntegerField("行数")
    manifest_sha256 = models.CharField("清单哈希", max_length=64)
    schema = models.JSONField("结构")  # [[name, type], …] as loaded
    source_name = models.CharField("来源文件名", max_length=200)
    source_format = models.CharField("来源格式", max_length=20)
    source_encoding = models.CharField("来源编码", max_length=20, blank=True)
    loaded_at = models.DateTimeField("加载时间")
    loaded_by_person_id = models.BigIntegerField("加载人", null=True)

    class Meta:
        verbose_name = "资源版本"
        ordering = ["resource_id", "number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.resource.code} v{self.number}"


class QualityReport(models.Model):
    """Quality of one version (第二十三条, R23.1): counts and ratios only, never a value."""

    version = models.ForeignKey(ResourceVersion, on_delete=models.PROTECT, related_name="quality_reports")
    computed_at = models.DateTimeField("计算时间")
    completeness = models.FloatField("完整性")
    validity = models.FloatField("有效性")
    uniqueness = models.FloatField("唯一性")
    timeliness = models.FloatField("及时性")
    consistency = models.FloatField("一致性")
    score = models.FloatField("综合得分")
    details = models.JSONField("明细")  # per field and per rule: counts only

    class Meta:
        verbose_name = "质量报告"
        ordering = ["version_id", "-computed_at", "-id"]


class EvidenceDeposit(models.Model):
    """存证 (N-REG.5): the manifest hash of a version, anchored in the ledger before applying."""

    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="deposits")
    version = models.ForeignKey(ResourceVersion, on_delete=models.PROTECT, related_name="deposits")
    manifest_sha256 = models.CharField("清单哈希", max_length=64)
    ledger_seq = models.BigIntegerField("账本序号")
    deposited_at = models.DateTimeField("存证时间")
    deposited_by_person_id = models.BigIntegerField("存证人", null=True)

    class Meta:
        verbose_name = "存证"


class RegistrationKind(models.TextChoices):
    FIRST = "first", "首次登记"
    CHANGE = "change", "变更登记"
    CORRECTION = "correction", "更正登记"
    CANCELLATION = "cancellation", "注销登记"


class RegistrationStatus(models.TextChoices):
    APPLIED = "applied", "已申请"
    SUPPLEMENT = "supplement", "待补正"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    ACCEPTED = "accepted", "已受理（形式审核中）"
    PUBLICIZING = "publicizing", "公示中"
    OBJECTION = "objection", "异议复核"
    TERMINATED = "terminated", "已终止"
    CODED = "coded", "已赋码"
    EXPIRED = "expired", "期满注销"
    CANCELLED = "cancelled", "已注销"
    REVOKED = "revoked", "已撤销"
    SUPERSEDED = "superseded", "已被变更"


class Registration(models.Model):
    """A registration (登记) of a resource, or of a product or service, through N-REG.6's procedure."""

    subject_kind = models.CharField("登记对象", max_length=10, default="resource")  # resource | product
    resource = models.ForeignKey(
        DataResource, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    product_name = models.CharField("产品和服务名称", max_length=200, blank=True)
    kind = models.CharField("登记类型", max_length=15, choices=RegistrationKind.choices)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=15, choices=RegistrationStatus.choices)
    applicant_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, verbose_name="登记主体")
    applicant_person_id = models.BigIntegerField("申请人")
    materials = models.JSONField("申请材料")  # N-REG.8 items → document references, never data
    evidence = models.ForeignKey(EvidenceDeposit, null=True, blank=True, on_delete=models.PROTECT)
    data_name = models.CharField("登记数据名称", max_length=200)
    summary = models.TextField("数据内容简介", blank=True)
    applied_at = models.DateTimeField("申请时间")
    accept_due_on = models.DateField("受理期限", null=True, blank=True)
    supplement_notice = models.JSONField("补正告知", default=list, blank=True)
    supplement_requested_at = models.DateTimeField("补正告知时间", null=True, blank=True)
    not_accepted_reason = models.TextField("不予受理理由", blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    review_due_on = models.DateField("形式审核期限", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核完成时间", null=True, blank=True)
    publicity_starts_on = models.DateField("公示开始", null=True, blank=True)
    publicity_ends_on = models.DateField("公示结束", null=True, blank=True)
    code = models.CharField("登记结果查询码", max_length=64, null=True, blank=True, unique=True)
    coded_at = models.DateTimeField("赋码时间", null=True, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_reason = models.TextField("终止、注销或撤销理由", blank=True)
    processed_by_person_id = models.BigIntegerField("最近办理人", null=True, blank=True)
    # N-REG.11: who asked for a correction (the registrant or an interested party) and on what basis the
    # registrar corrects (the registrant's written consent, or evidence that the record is wrong).
    requested_by = models.CharField("申请人身份", max_length=20, blank=True)  # registrant | interested_party
    requester_person_id = models.BigIntegerField("更正申请人", null=True, blank=True)
    requester_org_id = models.BigIntegerField("更正申请人单位", null=True, blank=True)
    corrections = models.JSONField("更正事项", default=dict, blank=True)  # {"data_name"|"summary": new}
    correction_reason = models.TextField("更正理由", blank=True)
    correction_basis = models.CharField("更正依据", max_length=10, blank=True)  # consent | evidence
    correction_basis_ref = models.CharField("更正依据材料", max_length=200, blank=True)

    class Meta:
        verbose_name = "登记"
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.data_name}"


class Objection(models.Model):
    """A real-name objection during 公示 with supporting evidence (N-REG.15)."""

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="objections")
    objector_person_id = models.BigIntegerField("异议人")
    objector_org_id = models.BigIntegerField("异议人单位", null=True)
    reason = models.TextField("异议理由")
    evidence_ref = models.CharField("证明材料", max_length=200)
    filed_at = models.DateTimeField("提出时间")
    upheld = models.BooleanField("异议成立", null=True)
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    decision_note = models.TextField("复核意见", blank=True)

    class Meta:
        verbose_name = "异议"


class CatalogPolicy(models.Model):
    """Policy settings of the catalog (one row): N-REG.9's stricter switch and the code format (N-REG.16)."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    # Off: the national rule (provide first, apply within 20 working days). On: the code before any use.
    code_before_use = models.BooleanField("须先取得登记码方可纳入授权范围", default=False)
    code_format = models.CharField("登记码格式", max_length=30, default="shuyu-v1")
    # N-REG.10: a change registration is due this many working days after the manifest hash changes.
    change_registration_workdays = models.PositiveSmallIntegerField("变更登记期限（工作日）", default=20)
    updated_at = models.DateTimeField("修改时间", null=True, blank=True)
    updated_by_person_id = models.BigIntegerField("修改人", null=True, blank=True)

    class Meta:
        verbose_name = "目录政策设置"
