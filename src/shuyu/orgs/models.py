from django.conf import settings
from django.db import models

from shuyu.core.roles import Role

ROLE_CHOICES = [(r.value, r.value) for r in Role]


class Region(models.Model):
    """An administrative region by its GB/T 2260 code (R02.1): 四川省, its 21 市州 and their 县市区."""

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField(
        "层级", max_length=10, choices=[("province", "省"), ("city", "市州"), ("county", "县市区")]
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Organization(models.Model):
    """A legal person or public body taking part, identified by its 统一社会信用代码 (GB 32100)."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("主体类型", max_length=30, choices=ROLE_CHOICES)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="行政区划")
    created_at = models.DateTimeField("创建时间")
    uscc_warnings = models.JSONField("代码校验提示", default=list, blank=True)  # NATIONAL.md §8 [U] hints

    class Meta:
        verbose_name = "单位"
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A Django user working for exactly one organization, with that person's roles there."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="people")
    display_name = models.CharField("姓名", max_length=100)
    roles = models.JSONField("角色", default=list)

    class Meta:
        verbose_name = "人员"

    def __str__(self) -> str:
        return self.display_name


class CreditKind(models.TextChoices):
    """Kinds of 失信 record that bar an organization from operator selection (R14.2)."""

    SERIOUS_DISHONESTY = "serious_dishonesty", "严重失信主体名单"
    ADMINISTRATIVE_PENALTY = "administrative_penalty", "重大行政处罚"
    ABNORMAL_OPERATION = "abnormal_operation", "经营异常名录"
    AUTHORIZATION_VIOLATION = "authorization_violation", "授权运营违约（第二十九条）"
    OTHER = "other", "其他失信记录"


class CreditRecord(models.Model):
    """A 失信 record of an organization, with its source document and validity (R14.2, R29.1)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="credit_records", verbose_name="单位"
    )
    kind = models.CharField("失信类型", max_length=40, choices=CreditKind.choices)
    source = models.CharField("来源（公示机关/系统）", max_length=200)
    document = models.CharField("文书编号或链接", max_length=300, blank=True)
    recorded_on = models.DateField("认定日期")
    expires_on = models.DateField("有效期至", null=True, blank=True)  # null: until removed
    recorded_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "失信记录"
        ordering = ["organization_id", "-recorded_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("recorded_on")),
                name="orgs_credit_expires_after_recorded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.kind}@{self.recorded_on}"


class ApiToken(models.Model):
    """A bearer token for the API and CLI. Only its SHA-256 is stored; the token is shown once."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="tokens", verbose_name="人员")
    digest = models.CharField("令牌摘要（SHA-256）", max_length=64, unique=True)
    prefix = models.CharField("令牌前缀", max_length=12)  # lets a person tell their tokens apart
    label = models.CharField("用途", max_length=100, blank=True)
    created_at = models.DateTimeField("签发时间")
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="吊销人"
    )

    class Meta:
        verbose_name = "API 令牌"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | models.Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="orgs_token_revoked_at_by_paired",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class LoginThrottle(models.Model):
    """Failed sign-ins per username (等保 L3-CES1-02, SEC-AUTH-2): after too many, the name is locked for a
    while, whether or not such an account exists (so a lock says nothing about who has an account). The
    name is kept only as a keyed hash."""

    key = models.CharField("用户名（键控哈希）", max_length=66, unique=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    last_failure_at = models.DateTimeField("最近失败", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "登录失败限制"
        verbose_name_plural = "登录失败限制"
