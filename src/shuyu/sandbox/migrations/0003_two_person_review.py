"""Two reviews per output version (security, business) by two different people (R19.2 四眼原则).

`Review` loses its one-to-one link to `Output`: an output has one review per kind and version. Jobs name the
output they revise after 附条件批准 (`revises`, `revision`); outputs remember when they entered their status
and which status was alerted as overdue.

Data: each existing single review is kept as the *security* review of version 1, its decision renamed
(release → approve, block → reject). Its output's status (released or blocked) is final already and stays.
It has no signed receipt: receipts are issued for decisions from this migration on.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_TO_NEW = {"release": "approve", "block": "reject"}
NEW_TO_OLD = {v: k for k, v in OLD_TO_NEW.items()}


def forwards(apps, schema_editor):
    Review = apps.get_model("sandbox", "Review")
    for old, new in OLD_TO_NEW.items():
        Review.objects.filter(decision=old).update(decision=new, kind="security", version=1)


def backwards(apps, schema_editor):
    Review = apps.get_model("sandbox", "Review")
    if (
        Review.objects.filter(decision="conditional").exists()
        or Review.objects.filter(kind="business").exists()
    ):
        raise RuntimeError("two-person reviews cannot be folded back into single reviews")
    for new, old in NEW_TO_OLD.items():
        Review.objects.filter(decision=new).update(decision=old)


class Migration(migrations.Migration):
    dependencies = [
        ("sandbox", "0002_dp_budgets_and_releases"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="review",
            options={"ordering": ["output_id", "version", "decided_at", "id"], "verbose_name": "输出审查"},
        ),
        migrations.AddField(
            model_name="job",
            name="revises",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="revisions",
                to="sandbox.output",
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="revision",
            field=models.PositiveIntegerField(default=1, verbose_name="版本"),
        ),
        migrations.AddField(
            model_name="output",
            name="alerted_status",
            field=models.CharField(blank=True, max_length=10, verbose_name="已预警状态"),
        ),
        migrations.AddField(
            model_name="output",
            name="status_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="状态时间"),
        ),
        migrations.AddField(
            model_name="review",
            name="changes",
            field=models.JSONField(default=list, verbose_name="修改要求"),
        ),
        migrations.AddField(
            model_name="review",
            name="kind",
            field=models.CharField(
                choices=[("security", "安全审查"), ("business", "业务审查")],
                default="security",
                max_length=8,
                verbose_name="审查类型",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="review",
            name="receipt",
            field=models.JSONField(default=dict, verbose_name="签名回执"),
        ),
        migrations.AddField(
            model_name="review",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="版本"),
        ),
        migrations.AlterField(
            model_name="output",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待审查"),
                    ("changes", "附条件批准，待修改"),
                    ("superseded", "已由新版本取代"),
                    ("released", "已放行"),
                    ("blocked", "已拦截"),
                ],
                default="pending",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="decision",
            field=models.CharField(
                choices=[("approve", "批准"), ("conditional", "附条件批准"), ("reject", "驳回")],
                max_length=12,
                verbose_name="决定",
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="output",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="reviews", to="sandbox.output"
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name="review",
            constraint=models.UniqueConstraint(
                fields=("output", "kind", "version"), name="review_one_per_kind_version"
            ),
        ),
    ]
