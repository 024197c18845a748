from django.db import models


class LedgerEntry(models.Model):
    """One appended act: who (person, organization), what, on which subject, when; never updated."""

    seq = models.BigIntegerField("序号", unique=True)
    recorded_at = models.DateTimeField("记录时间")
    actor_person_id = models.BigIntegerField("操作人", null=True)
    actor_org_id = models.BigIntegerField("操作单位", null=True)
    actor_label = models.CharField("操作人标识", max_length=100)  # keyed hash or system:<name>
    actor_roles = models.CharField("角色", max_length=200, blank=True)
    action = models.CharField("行为", max_length=100)
    subject_kind = models.CharField("对象类型", max_length=60)
    subject_id = models.CharField("对象标识", max_length=64)
    payload = models.TextField("内容(规范JSON)")
    payload_hash = models.CharField("内容哈希", max_length=64)
    leaf_hash = models.CharField("叶子哈希", max_length=64)

    class Meta:
        verbose_name = "账本条目"
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_kind", "subject_id"])]


class LedgerHead(models.Model):
    """A single row locked by every append, so concurrent writers get one gap-free sequence."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "账本头"
