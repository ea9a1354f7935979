"""Shop staff and managers look after products, pictures included: they may choose, upload and
edit images in the root collection (as Wagtail's Editors may), so the product form's image
chooser and its "Edit this image" link work for them."""

from django.db import migrations

IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image"]
GROUPS = ["Shop staff", "Shop managers"]


def grant(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Permission = apps.get_model("auth", "Permission")
    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    permissions = Permission.objects.filter(
        content_type__app_label="wagtailimages", codename__in=IMAGE_PERMISSIONS
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        for permission in permissions:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root, permission=permission
            )


def revoke(apps, schema_editor):
    """Choosing stays: Wagtail's own migration grants it to every group with admin access,
    depending only on which of the two migrations ran first."""
    apps.get_model("wagtailcore", "GroupCollectionPermission").objects.filter(
        group__name__in=GROUPS,
        permission__content_type__app_label="wagtailimages",
        permission__codename__in=["add_image", "change_image"],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0013_preorder_form_terms_are_general_terms"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtailcore", "0026_group_collection_permission"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
