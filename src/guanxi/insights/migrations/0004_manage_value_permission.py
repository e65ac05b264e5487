"""Existing installations: the administrator and sales director roles get the new *manage value* permission."""

from django.db import migrations


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=["admin", "director"]):
        if "manage_value" not in role.permissions:
            role.permissions = [*role.permissions, "manage_value"]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("insights", "0003_grading_segments"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
