"""Bulk INSERT … ON CONFLICT DO NOTHING RETURNING (core/bulk.py): the rows SQLAlchemy's insert would write."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


def _row(key: str, **values: object) -> dict:
    return {"kind": "t", "recipient": f"{key}@example.tw", "template": "verify", "language": "en",
            "context": {"名字": "王小明", "n": [1, 2.5, None]}, "secrets": None, "idempotency_key": key,
            **values}


def _stored(db, key: str) -> tuple:  # noqa: ANN001
    from notifications.models import OutboxMessage as M

    return db.session.execute(
        sa.select(M.kind, M.channel, M.recipient, M.template, M.language, sa.cast(M.context, sa.Text),
                  sa.cast(M.secrets, sa.Text), M.about, M.confidential, M.status, M.attempts)
        .where(M.idempotency_key == key)).one()


def test_only_the_rows_inserted_come_back_and_they_are_what_sqlalchemy_writes(app, db):
    from core.bulk import insert_many_or_ignore
    from core.db import insert_or_ignore
    from notifications.models import OutboxMessage

    table = OutboxMessage.__table__
    db.session.execute(insert_or_ignore(table, "idempotency_key").returning(table.c.id), [_row("reference")])
    taken = db.session.execute(insert_or_ignore(table, "idempotency_key").returning(table.c.id), [_row("taken")])
    taken_id = taken.scalar()
    ids = insert_many_or_ignore(table, [_row("new1"), _row("taken", recipient="other@example.tw"), _row("new2")],
                                "idempotency_key", "id")
    db.session.commit()
    new = dict(db.session.execute(sa.select(OutboxMessage.idempotency_key, OutboxMessage.id)
                                  .where(OutboxMessage.idempotency_key.in_(["new1", "new2"]))).all())
    assert sorted(ids) == sorted(new.values()) and taken_id not in ids
    assert _stored(db, "taken")[2] == "taken@example.tw"  # the first row stays
    reference = _stored(db, "reference")
    assert _stored(db, "new1")[0] == reference[0] and _stored(db, "new1")[5:] == reference[5:]  # same JSON text
    assert _stored(db, "new1")[1] == "email"  # Python-side defaults as SQLAlchemy applies them
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == "new2"))
    assert message.context["名字"] == "王小明" and message.created_at.tzinfo is not None


def test_nothing_to_insert_returns_nothing(app, db):
    from core.bulk import insert_many_or_ignore
    from notifications.models import OutboxMessage

    assert insert_many_or_ignore(OutboxMessage.__table__, [], "idempotency_key", "id") == []


def test_a_refused_row_raises_as_sqlalchemy_would(app, db):
    from core.bulk import insert_many_or_ignore
    from notifications.models import OutboxMessage

    with pytest.raises(sa.exc.IntegrityError):
        insert_many_or_ignore(OutboxMessage.__table__, [_row("a"), _row("b", recipient=None)], "idempotency_key", "id")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_text_too_long_for_its_column_is_refused_not_cut(app, db):
    from core.bulk import insert_many_or_ignore
    from notifications.models import OutboxMessage

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps any length")
    long_kind = "k" * 61  # kind is VARCHAR(60)
    for rows in ([_row("a", kind=long_kind), _row("b", kind=long_kind)], [_row("a"), _row("b", kind=long_kind)]):
        with pytest.raises(sa.exc.DataError):
            insert_many_or_ignore(OutboxMessage.__table__, rows, "idempotency_key", "id")
        db.session.rollback()
