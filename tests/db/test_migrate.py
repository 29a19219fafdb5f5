import asyncpg
import pytest
import trio
import trio_asyncio

from copytrade.db.errors import MigrationError
from copytrade.db.migrate import default_sql_dir, discover, migrate


def write(sql_dir, name, text):
    (sql_dir / name).write_text(text)


async def q(url, sql):
    async def _run():
        con = await asyncpg.connect(url)
        try:
            return await con.fetch(sql)
        finally:
            await con.close()
    return await trio_asyncio.aio_as_trio(_run)()


async def test_applies_in_numeric_order_once(aio_loop, empty_db_url, tmp_path):
    write(tmp_path, "010_second.sql", "ALTER TABLE t ADD COLUMN b int;")
    write(tmp_path, "002_first.sql", "CREATE TABLE t (a int);")
    report = await migrate(empty_db_url, tmp_path)
    assert report.applied == ("002_first.sql", "010_second.sql")
    again = await migrate(empty_db_url, tmp_path)
    assert again.applied == () and again.already == 2
    rows = await q(empty_db_url, "SELECT version, name, checksum FROM schema_migrations ORDER BY 1")
    assert [r["version"] for r in rows] == [2, 10]
    assert all(len(r["checksum"]) == 64 for r in rows)


async def test_new_file_applied_later(aio_loop, empty_db_url, tmp_path):
    write(tmp_path, "001_a.sql", "CREATE TABLE a (x int);")
    await migrate(empty_db_url, tmp_path)
    write(tmp_path, "002_b.sql", "CREATE TABLE b (x int);")
    report = await migrate(empty_db_url, tmp_path)
    assert report.applied == ("002_b.sql",) and report.already == 1


async def test_edited_applied_file_is_refused(aio_loop, empty_db_url, tmp_path):
    write(tmp_path, "001_a.sql", "CREATE TABLE a (x int);")
    await migrate(empty_db_url, tmp_path)
    write(tmp_path, "001_a.sql", "CREATE TABLE a (x int, y int);")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        await migrate(empty_db_url, tmp_path)


async def test_missing_applied_file_is_refused(aio_loop, empty_db_url, tmp_path):
    write(tmp_path, "001_a.sql", "CREATE TABLE a (x int);")
    await migrate(empty_db_url, tmp_path)
    (tmp_path / "001_a.sql").unlink()
    write(tmp_path, "002_b.sql", "CREATE TABLE b (x int);")
    with pytest.raises(MigrationError, match="missing"):
        await migrate(empty_db_url, tmp_path)


async def test_failed_migration_is_rolled_back_and_not_recorded(aio_loop, empty_db_url, tmp_path):
    write(tmp_path, "001_ok.sql", "CREATE TABLE ok (x int);")
    write(tmp_path, "002_bad.sql", "CREATE TABLE half (x int); SELECT no_such_function();")
    with pytest.raises(MigrationError, match=r"002_bad\.sql failed"):
        await migrate(empty_db_url, tmp_path)
    rows = await q(empty_db_url, "SELECT name FROM schema_migrations")
    assert [r["name"] for r in rows] == ["001_ok.sql"]
    half = await q(empty_db_url, "SELECT to_regclass('half') AS t")
    assert half[0]["t"] is None


async def test_concurrent_migrators_apply_each_file_once(aio_loop, empty_db_url, tmp_path):
    # Not idempotent SQL: applying any file twice would fail.
    for i in range(1, 6):
        write(tmp_path, f"00{i}_t{i}.sql", f"CREATE TABLE t{i} (x int); SELECT pg_sleep(0.05);")
    reports = []

    async def run():
        reports.append(await migrate(empty_db_url, tmp_path))

    async with trio.open_nursery() as nursery:
        for _ in range(3):
            nursery.start_soon(run)
    assert sorted(len(r.applied) for r in reports) == [0, 0, 5]
    rows = await q(empty_db_url, "SELECT count(*) AS n FROM schema_migrations")
    assert rows[0]["n"] == 5


@pytest.mark.parametrize("bad", ["1_short.sql", "001-dash.sql", "001_Upper.sql", "abc.sql"])
def test_bad_file_names_are_refused(tmp_path, bad):
    write(tmp_path, bad, "SELECT 1;")
    with pytest.raises(MigrationError, match="NNN_lower_case"):
        discover(tmp_path)


def test_duplicate_versions_are_refused(tmp_path):
    write(tmp_path, "001_a.sql", "SELECT 1;")
    write(tmp_path, "001_b.sql", "SELECT 1;")
    with pytest.raises(MigrationError, match="also used by"):
        discover(tmp_path)


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(MigrationError, match="not found"):
        discover(tmp_path / "nope")


def test_project_migrations_are_well_formed():
    migrations = discover(default_sql_dir())
    versions = [m.version for m in migrations]
    # Unique and increasing; branches get their numbers up front, so a branch may have gaps.
    assert versions[0] == 1 and versions == sorted(set(versions))
