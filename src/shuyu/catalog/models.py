from django.db import models


class GradingLevel(models.TextChoices):
    CORE = "core", "核心数据"
    IMPORTANT = "important", "重要数据"
    GENERAL = "general", "一般数据"


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

    class Meta:
        verbose_name = "公共数据资源"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(graded_at__isnull=True, graded_by_person_id__isnull=True)
                | models.Q(graded_at__isnull=False, graded_by_person_id__isnull=False),
                name="resource_graded_at_by_paired",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
