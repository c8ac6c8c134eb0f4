"""One notice outbox and one card-location table for every kind of request.

Draft notices and engagement notices become rows of one `notices` table keyed by subject
("draft", "engagement", …) and addressed to the chat front end that delivers them; where a card
was posted (drafts' `card_messages`, engagements' `card_refs`, moderation items'
`card_channel`/`card_ts`) becomes rows of one `card_messages` table keyed the same way. A
moderation item gets the columns of the action outbox (attempts, due, claim), as engagements have.

Every row is kept: a draft notice keeps its id, an engagement notice gets the next ids in its
original order (so each subject's notices are still delivered oldest first), and a moderation
item whose card was never posted is owed one. Register entries are not touched, so the chain
verifies as before. Going down, notices about moderation items and HP entries go back to being
owed by those rows' state.

Words used one way: `platform` becomes `front_end` (Slack, Teams; engagements.chat too) or
`network` (X, Facebook, blog) by what it names.

Revision ID: 0015_pipeline
Revises: 0014_duties
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0015_pipeline"
down_revision = "0014_duties"
branch_labels = None
depends_on = None


def _moderation_outbox() -> tuple[sa.Column, ...]:
    """A moderation decision's action waits in the action outbox like an engagement's."""
    return (
        sa.Column("front_end", sa.String(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("failed_by", sa.String(length=64), nullable=True),
        sa.Column("failed_action", sa.String(length=16), nullable=True),
    )


NOTICE_COLUMNS = "kind, done, attempts, due_at, claimed_by, last_error, created_at, first_tried_at"


def _notices_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("front_end", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_tried_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def _cards_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=255), nullable=False),
        sa.Column("ts", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def _continue_ids(table: str) -> None:
    """After rows were copied with their ids, new rows get the next ones (PostgreSQL)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


# Renamed last going up (the copies above read the old names), first going down. Register entries
# keep their details key "platform" (hashed entries are never rewritten). (table, old, new):
RENAMES = (("drafts", "platform", "front_end"), ("members", "platform", "front_end"),
           ("chat_addresses", "platform", "front_end"), ("engagements", "chat", "front_end"),
           ("engagements", "platform", "network"), ("moderation_items", "platform", "network"),
           ("moderation_polls", "platform", "network"),
           ("card_messages", "channel", "conversation"))  # fmt: skip


def _rename_columns(back: bool = False) -> None:
    """In place, no table copied (so no foreign key breaks); constraints and indexes follow."""
    for table, old, new in RENAMES:
        old, new = (new, old) if back else (old, new)
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")


def _refs(value) -> list:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or ())


def upgrade() -> None:
    bind = op.get_bind()
    # -- notices: one table keyed by subject ------------------------------------------------
    _notices_table("notices_next")
    op.execute(
        f"INSERT INTO notices_next (id, subject, subject_id, front_end, {NOTICE_COLUMNS}) "
        f"SELECT n.id, 'draft', n.draft_id, d.platform, "
        + ", ".join(f"n.{c.strip()}" for c in NOTICE_COLUMNS.split(","))
        + " FROM notices n JOIN drafts d ON d.id = n.draft_id"
    )
    _continue_ids("notices_next")
    notices = sa.table(
        "notices_next",
        *(
            sa.column(c.strip())
            for c in ("subject, subject_id, front_end, " + NOTICE_COLUMNS).split(",")
        ),
    )
    rows = bind.execute(
        sa.text(
            f"SELECT n.engagement_id, e.chat, {', '.join('n.' + c.strip() for c in NOTICE_COLUMNS.split(','))} "
            "FROM engagement_notices n JOIN engagements e ON e.id = n.engagement_id ORDER BY n.id"
        )
    ).all()
    for row in rows:  # one by one, in order: each gets the next id
        values = dict(row._mapping)
        subject_id, front_end = values.pop("engagement_id"), values.pop("chat")
        bind.execute(
            notices.insert().values(
                subject="engagement", subject_id=subject_id, front_end=front_end, **values
            )
        )
    # A moderation item whose card was never posted was owed one by the next poll: now a notice.
    for (item_id,) in bind.execute(
        sa.text(
            "SELECT id FROM moderation_items WHERE card_ts IS NULL AND status = 'new' ORDER BY id"
        )
    ).all():
        bind.execute(
            notices.insert().values(
                subject="moderation",
                subject_id=item_id,
                front_end="slack",
                kind="card",
                done=False,
                attempts=0,
                due_at=sa.func.now(),
                created_at=sa.func.now(),
            )  # fmt: skip
        )
    with op.batch_alter_table("engagement_notices") as batch:
        batch.drop_index("ix_engagement_notices_done")
        batch.drop_index("ix_engagement_notices_engagement_id")
    op.drop_table("engagement_notices")
    with op.batch_alter_table("notices") as batch:
        batch.drop_index("ix_notices_draft_id")
        batch.drop_index("ix_notices_done")
    op.drop_table("notices")
    op.rename_table("notices_next", "notices")
    op.create_index("ix_notices_done", "notices", ["done"])
    op.create_index("ix_notices_subject", "notices", ["subject", "subject_id"])

    # -- card locations: one table keyed by subject -----------------------------------------
    _cards_table("card_messages_next")
    op.execute(
        "INSERT INTO card_messages_next (id, subject, subject_id, revision, channel, ts) "
        "SELECT id, 'draft', draft_id, revision, channel, ts FROM card_messages"
    )
    _continue_ids("card_messages_next")
    cards = sa.table(
        "card_messages_next",
        *(sa.column(c) for c in ("subject", "subject_id", "revision", "channel", "ts")),
    )
    for engagement_id, refs in bind.execute(
        sa.text("SELECT id, card_refs FROM engagements ORDER BY id")
    ).all():
        for channel, ts in _refs(refs):
            bind.execute(
                cards.insert().values(
                    subject="engagement",
                    subject_id=engagement_id,
                    revision=1,
                    channel=str(channel),
                    ts=str(ts),
                )  # fmt: skip
            )
    for item_id, channel, ts in bind.execute(
        sa.text(
            "SELECT id, card_channel, card_ts FROM moderation_items "
            "WHERE card_ts IS NOT NULL ORDER BY id"
        )
    ).all():
        bind.execute(
            cards.insert().values(
                subject="moderation", subject_id=item_id, revision=1, channel=channel or "", ts=ts
            )
        )
    with op.batch_alter_table("card_messages") as batch:
        batch.drop_index("ix_card_messages_draft_id")
    op.drop_table("card_messages")
    op.rename_table("card_messages_next", "card_messages")
    op.create_index("ix_card_messages_subject", "card_messages", ["subject", "subject_id"])
    with op.batch_alter_table("engagements") as batch:
        batch.drop_column("card_refs")
    with op.batch_alter_table("moderation_items") as batch:
        batch.drop_column("card_ts")
        batch.drop_column("card_channel")
        for column in _moderation_outbox():
            batch.add_column(column)
    # An item left mid-call by the synchronous click of before is the action outbox's now.
    op.execute(
        "UPDATE moderation_items SET due_at = decided_at, front_end = 'slack' "
        "WHERE status = 'acting'"
    )
    _rename_columns()


def downgrade() -> None:
    bind = op.get_bind()
    _rename_columns(back=True)
    with op.batch_alter_table("moderation_items") as batch:
        for column in reversed(_moderation_outbox()):
            batch.drop_column(column.name)
        batch.add_column(sa.Column("card_channel", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("card_ts", sa.String(length=64), nullable=True))
    with op.batch_alter_table("engagements") as batch:
        batch.add_column(
            sa.Column("card_refs", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    cards = bind.execute(
        sa.text("SELECT subject, subject_id, channel, ts FROM card_messages ORDER BY id")
    ).all()
    refs: dict[int, list] = {}
    for subject, subject_id, channel, ts in cards:
        if subject == "engagement":
            refs.setdefault(subject_id, []).append([channel, ts])
        elif subject == "moderation":
            bind.execute(
                sa.text(
                    "UPDATE moderation_items SET card_channel = :c, card_ts = :t WHERE id = :i"
                ),
                {"c": channel, "t": ts, "i": subject_id},
            )
    for engagement_id, pairs in refs.items():
        bind.execute(
            sa.text("UPDATE engagements SET card_refs = :r WHERE id = :i"),
            {"r": json.dumps(pairs), "i": engagement_id},
        )
    op.execute("DELETE FROM card_messages WHERE subject <> 'draft'")
    op.drop_index("ix_card_messages_subject", table_name="card_messages")
    with op.batch_alter_table("card_messages") as batch:
        batch.alter_column("subject_id", new_column_name="draft_id")
        batch.drop_column("subject")
    op.create_index("ix_card_messages_draft_id", "card_messages", ["draft_id"])

    op.create_table(
        "engagement_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_tried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_engagement_notices_engagement_id", "engagement_notices", ["engagement_id"])
    op.create_index("ix_engagement_notices_done", "engagement_notices", ["done"])
    op.execute(
        f"INSERT INTO engagement_notices (engagement_id, {NOTICE_COLUMNS}) "
        f"SELECT subject_id, {NOTICE_COLUMNS} FROM notices "
        "WHERE subject = 'engagement' ORDER BY id"
    )
    # Before 0015 an HP entry not yet announced, or an item without a card, was owed by its state.
    op.execute(
        "UPDATE feed_entries SET state = 'due', announced_at = NULL WHERE id IN "
        "(SELECT subject_id FROM notices WHERE subject = 'feed' AND NOT done)"
    )
    op.execute("DELETE FROM notices WHERE subject <> 'draft'")
    op.drop_index("ix_notices_subject", table_name="notices")
    with op.batch_alter_table("notices") as batch:
        batch.alter_column("subject_id", new_column_name="draft_id")
        batch.drop_column("subject")
        batch.drop_column("front_end")
    op.create_index("ix_notices_draft_id", "notices", ["draft_id"])
