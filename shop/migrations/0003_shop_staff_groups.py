"""Groups for running the shop: "Shop staff" pack and ship orders and look after products;
"Shop managers" can also refund. Editors get neither, so they never see the Shop menu."""

from django.db import migrations

STAFF = [
    ("wagtailadmin", "admin", "access_admin"),
    ("shop", "product", "add_product"),
    ("shop", "product", "change_product"),
    ("shop", "product", "view_product"),
    ("shop", "order", "view_order"),
    ("shop", "order", "change_order"),
]
MANAGERS = STAFF + [
    ("shop", "product", "delete_product"),
    ("shop", "order", "refund_order"),
]


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in [("Shop staff", STAFF), ("Shop managers", MANAGERS)]:
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, _model, codename in permissions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Shop staff", "Shop managers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_order_orderline_paymentevent_and_more"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
