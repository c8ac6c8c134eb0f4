"""The approval route (決裁ルート): review steps before the chief, their marks, comments.

Drafts get the route they follow (`route`, the review steps' roles; empty: the chief alone, as
before), the step they wait at and the revision their round began with. Every existing draft
gets the empty route, so it is decided exactly as before. Card locations get the review step a
card was posted for (None: the chief's card, as every existing card is). Register entries are
not touched, so the chain verifies as before.

Revision ID: 0017_route
Revises: 0016_policy
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_route"
down_revision = "0016_policy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN: rebuilding `drafts`, which other tables reference,
    # would fail with SQLite's foreign keys on.
    op.add_column(
        "drafts", sa.Column("route", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )
    op.add_column("drafts", sa.Column("step", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "drafts", sa.Column("route_from", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("card_messages", sa.Column("step", sa.Integer(), nullable=True))
    op.create_index("ix_card_messages_conversation_ts", "card_messages", ["conversation", "ts"])
    op.create_table(
        "route_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("draft_id", sa.Integer(), sa.ForeignKey("drafts.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_route_marks_draft_revision", "route_marks", ["draft_id", "revision"])
    op.create_table(
        "draft_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("draft_id", sa.Integer(), sa.ForeignKey("drafts.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=255), nullable=True, unique=True),
    )
    op.create_index("ix_draft_comments_draft_id", "draft_comments", ["draft_id"])


def downgrade() -> None:
    op.drop_index("ix_draft_comments_draft_id", table_name="draft_comments")
    op.drop_table("draft_comments")
    op.drop_index("ix_route_marks_draft_revision", table_name="route_marks")
    op.drop_table("route_marks")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later), as upgrade adds them.
    op.drop_index("ix_card_messages_conversation_ts", table_name="card_messages")
    for table, column in (("card_messages", "step"), ("drafts", "route_from"),
                          ("drafts", "step"), ("drafts", "route")):  # fmt: skip
        op.drop_column(table, column)
