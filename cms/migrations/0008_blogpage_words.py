from django.db import migrations, models


def count_existing_posts(apps, schema_editor):
    """Every post's words, as its next save would count them."""
    from cms.models import count_words

    BlogPage = apps.get_model("cms", "BlogPage")
    posts = list(BlogPage.objects.only("pk", "body"))
    for post in posts:
        post.words = count_words(post.body.raw_data)
    BlogPage.objects.bulk_update(posts, ["words"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0007_standard_page_delivery_charges"),
    ]

    operations = [
        migrations.AddField(
            model_name="blogpage",
            name="words",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_existing_posts, migrations.RunPython.noop),
    ]
