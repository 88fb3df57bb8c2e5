"""The assignment memo ("메모 (직원에게만 보임)") was stored as the public note of the "assigned"
stage and shown on the public timeline (issue 11). `services.petition_assign` is the only writer
of a note on that stage (the automatic assignment at receipt writes none), so every non-empty
public note of an "assigned" event is such a memo: it moves to the staff-only note."""

from django.db import migrations


def memos_to_internal_notes(apps, schema_editor):
    PetitionEvent = apps.get_model("petitions", "PetitionEvent")
    rows = PetitionEvent.objects.filter(stage="assigned").exclude(note="").only(
        "id", "note", "internal_note"
    )
    for event in rows.iterator(chunk_size=500):
        parts = [part for part in (event.internal_note, event.note) if part]
        event.internal_note = "\n\n".join(parts)
        event.note = ""
        event.save(update_fields=["note", "internal_note"])


class Migration(migrations.Migration):
    dependencies = [("petitions", "0003_place_public")]

    # Not reversible in meaning: which staff notes were once public is not recorded.
    operations = [migrations.RunPython(memos_to_internal_notes, migrations.RunPython.noop)]
