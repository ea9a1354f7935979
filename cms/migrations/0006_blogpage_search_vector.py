"""Each post's search vector (cms.search), its GIN index and the vectors of the posts already
written. The index and the vectors are PostgreSQL's only: on SQLite search stays Wagtail's."""

import django.contrib.postgres.search
from django.db import migrations

INDEX = "cms_blogpage_search_vector"


def index_and_fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from cms import search

    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON cms_blogpage USING gin (search_vector)"
    )
    # The historical model has what the vector is made of: title, summary and the body's blocks.
    search.refresh_vectors(apps.get_model("cms", "BlogPage").objects.all().iterator())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0005_blogpage_related_post_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="blogpage",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(index_and_fill, drop_index),
    ]
