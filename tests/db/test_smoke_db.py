async def test_db_works(db):
    assert await db.fetchval("SELECT 1") == 1
