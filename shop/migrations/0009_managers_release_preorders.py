"""Shop managers may release pre-orders (charge saved cards)."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("shop")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    permission = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="shop", codename="release_preorders"
    )
    for group in apps.get_model("auth", "Group").objects.filter(name="Shop managers"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("shop", "0008_preorder_release_tools")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
