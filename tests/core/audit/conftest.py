import sqlite3

import pytest
from django.db import connection


@pytest.fixture
def threaded_db(transactional_db, tmp_path):
    """A database that threads can write to concurrently, each through its own connection.

    PostgreSQL: the test database itself. SQLite: the test database is in memory with a shared
    cache, where a second writer fails at once with "database table is locked" instead of waiting,
    unlike the file database sotong runs on. So the migrated in-memory database is copied to a file
    (WAL, busy timeout and IMMEDIATE transactions from settings, as in production) for the test,
    and put back afterwards."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    memory_name = connection.settings_dict["NAME"]
    # Keeps the shared in-memory database alive while Django's connection points elsewhere.
    keeper = sqlite3.connect(memory_name, uri=True)
    file_db = sqlite3.connect(tmp_path / "threaded.sqlite3")
    keeper.backup(file_db)
    # In WAL mode before any thread connects, as a long-running install's file is: otherwise the
    # threads' first connections race to switch it, and the loser may see "database is locked".
    file_db.execute("PRAGMA journal_mode=WAL")
    file_db.close()
    # Named first: Django ignores close() on an in-memory database.
    connection.settings_dict["NAME"] = str(tmp_path / "threaded.sqlite3")
    connection.close()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = memory_name
        connection.ensure_connection()  # holds the in-memory database again before keeper goes
        keeper.close()
