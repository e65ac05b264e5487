"""Existing installations: the administrator and sales director roles get the new *manage leads* permission."""

from django.db import migrations


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=["admin", "director"]):
        if "manage_leads" not in role.permissions:
            role.permissions = [*role.permissions, "manage_leads"]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("leads", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
