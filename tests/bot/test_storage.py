"""Storage on SQLite and PostgreSQL: retention purge and deletion on request."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.storage import Conversation, Database, StoredMessage, utcnow


async def _conversation(db: Database, pseudonym: str, texts: list[tuple[str, dt.datetime]]) -> int:
    async with db.sessions.begin() as session:
        conversation = Conversation(channel="web", user_pseudonym=pseudonym, language="de")
        session.add(conversation)
        await session.flush()
        for number, (text, at) in enumerate(texts):
            session.add(
                StoredMessage(
                    conversation_id=conversation.id,
                    channel="web",
                    channel_message_id=f"{pseudonym}-{number}",
                    direction="in",
                    text=text,
                    status="answered",
                    created_at=at,
                )
            )
        return conversation.id


async def _count(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(StoredMessage)) or 0)


async def test_messages_older_than_the_retention_period_are_purged(database_url: str) -> None:
    db = Database(database_url)
    await db.create_tables()
    now = utcnow()
    await _conversation(
        db, "p-old", [("alt", now - dt.timedelta(days=200)), ("neu", now - dt.timedelta(days=3))]
    )
    assert await db.purge_expired(180, now=now) == 1
    async with db.session() as session:
        texts = (await session.scalars(select(StoredMessage.text))).all()
    assert texts == ["neu"]
    assert await db.purge_expired(180, now=now) == 0
    await db.close()


async def test_deleting_a_person_removes_only_their_conversation(database_url: str) -> None:
    db = Database(database_url)
    await db.create_tables()
    now = utcnow()
    await _conversation(db, "p-a", [("eins", now), ("zwei", now)])
    await _conversation(db, "p-b", [("drei", now)])
    assert await db.delete_user("web", "p-a") == 2
    assert await db.delete_user("web", "p-a") == 0  # twice is harmless
    assert await _count(db) == 1
    async with db.session() as session:
        left = (await session.scalars(select(Conversation.user_pseudonym))).all()
    assert left == ["p-b"]
    await db.close()


async def test_ping_reports_an_unreachable_database() -> None:
    db = Database("postgresql://nobody@127.0.0.1:1/none")
    assert await db.ping() is False
    await db.close()


async def test_a_conversation_idle_past_the_retention_period_is_deleted_with_its_address(
    database_url: str,
) -> None:
    db = Database(database_url)
    await db.create_tables()
    now = utcnow()
    old = now - dt.timedelta(days=400)
    await _conversation(db, "p-idle", [("alt", old)])
    await _conversation(db, "p-active", [("neu", now)])
    async with db.sessions.begin() as session:
        for conversation in (await session.scalars(select(Conversation))).all():
            conversation.address = "sealed"
            conversation.updated_at = old if conversation.user_pseudonym == "p-idle" else now
    assert await db.purge_expired(180, now=now) == 1
    async with db.session() as session:
        left = (await session.scalars(select(Conversation.user_pseudonym))).all()
    assert left == ["p-active"]
    await db.close()
