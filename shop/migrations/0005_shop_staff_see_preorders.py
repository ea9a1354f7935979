"""Shop staff and managers see pre-orders in the admin."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("shop")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.get(content_type__app_label="shop", codename="view_preorder")
    for group in Group.objects.filter(name__in=["Shop staff", "Shop managers"]):
        group.permissions.add(view)


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_preorders")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
