"""Ledger tables. Rows are only ever inserted, by `services`; `verify` recomputes every hash from them."""

from django.db import models


class LedgerEntry(models.Model):
    """One appended act: who (person, organization), what, on which subject, when; never updated."""

    seq = models.BigIntegerField("序号", primary_key=True)  # leaf index in the Merkle tree
    recorded_at = models.DateTimeField("记录时间")
    actor_person_id = models.BigIntegerField("操作人", null=True)
    actor_org_id = models.BigIntegerField("操作单位", null=True)
    actor_label = models.CharField("操作人标识", max_length=100)  # keyed hash, system:<name> or public
    actor_roles = models.CharField("角色", max_length=200, blank=True)  # sorted, comma-separated
    action = models.CharField("行为", max_length=100)
    subject_kind = models.CharField("对象类型", max_length=60)
    subject_id = models.CharField("对象标识", max_length=64)
    payload = models.TextField("内容(规范JSON)")
    payload_hash = models.CharField("内容哈希", max_length=64)  # SHA-256 of payload, hex
    leaf_hash = models.CharField("叶子哈希", max_length=64)  # RFC 9162 leaf hash, hex

    class Meta:
        verbose_name = "账本条目"
        verbose_name_plural = "账本条目"
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_kind", "subject_id"], name="ledger_entry_subject")]
        constraints = [models.CheckConstraint(condition=models.Q(seq__gte=0), name="ledger_entry_seq_gte_0")]


class LedgerNode(models.Model):
    """The hash of one perfect subtree above the leaves, stored once it is complete, so that any proof
    costs O(log n) reads. `key = last_leaf·64 + level`: keys sort in the order the nodes were made."""

    key = models.BigIntegerField("位置", primary_key=True)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = "默克尔树节点"
        verbose_name_plural = "默克尔树节点"

    @staticmethod
    def key_of(level: int, index: int) -> int:
        return ((((index + 1) << level) - 1) << 6) | level


class LedgerHead(models.Model):
    """The single row every append locks, so concurrent writers get one gap-free sequence; it also keeps
    the right edge of the tree (`frontier`) so an append reads nothing else."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField("条目数", default=0)
    frontier = models.TextField("右缘子树哈希", blank=True, default="")  # concatenated hex, largest first
    root_hash = models.CharField("根哈希", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "账本头"
        verbose_name_plural = "账本头"


class Checkpoint(models.Model):
    """A tree head signed with the platform's Ed25519 key and published (R18.1 可取证)."""

    tree_size = models.BigIntegerField("树大小")
    root_hash = models.CharField("根哈希", max_length=64)
    signed_at = models.DateTimeField("签署时间")
    origin = models.CharField("来源", max_length=100)
    public_key = models.CharField("公钥", max_length=64)  # raw Ed25519, hex: old checkpoints stay checkable
    key_fingerprint = models.CharField("公钥指纹", max_length=64)
    signature = models.CharField("签名", max_length=100)  # base64 over evidence.checkpoint_note
    signed_by = models.CharField("签署人标识", max_length=100)

    class Meta:
        verbose_name = "签名检查点"
        verbose_name_plural = "签名检查点"
        ordering = ["-tree_size", "-signed_at"]
        indexes = [models.Index(fields=["tree_size"], name="ledger_checkpoint_size")]
