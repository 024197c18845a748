"""Load Sichuan's GB/T 2260 regions (R02.1, N-GEO.1/2) from data/regions_sichuan.json."""

import json
from pathlib import Path

from django.db import migrations


def load(apps, schema_editor):
    Region = apps.get_model("orgs", "Region")
    data = json.loads((Path(__file__).resolve().parent.parent / "data" / "regions_sichuan.json").read_text())
    for row in sorted(
        data["regions"], key=lambda r: (r["level"] != "province", r["level"] == "county", r["code"])
    ):
        Region.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "parent_id": row["parent"]},
        )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
