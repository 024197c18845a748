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
