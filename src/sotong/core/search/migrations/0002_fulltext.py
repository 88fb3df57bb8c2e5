"""The full-text structures per database vendor (sotong/core/search/schema.py): an FTS5 table
with triggers on SQLite, a tsvector column with its trigger and GIN index on PostgreSQL."""

from django.db import migrations

from sotong.core.search import schema


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run(
                {
                    "sqlite": [
                        *schema.SQLITE_CREATE,
                        *schema.SQLITE_TRIGGERS,
                        *schema.SQLITE_REBUILD,
                    ],
                    "postgresql": schema.POSTGRES_CREATE,
                }
            ),
            _run({"sqlite": schema.SQLITE_DROP, "postgresql": schema.POSTGRES_DROP}),
        )
    ]
