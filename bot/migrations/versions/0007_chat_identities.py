"""Chat identities of any front end: longer user and message ids, and where to reach people.

Teams user ids (`29:…`) and conversation ids are longer than Slack's, and a Teams bot can only
message someone through a stored conversation reference. This also joins the feature branches.

Revision ID: 0007_chat_identities
Revises: 0002_moderation, 0003_engagement, 0004_feed, 0006_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_chat_identities"
down_revision = ("0002_moderation", "0003_engagement", "0004_feed", "0006_indexes")
branch_labels = None
depends_on = None

WIDENED = (  # (table, column, nullable)
    ("members", "user_id", False),
    ("drafts", "author_id", False),
    ("drafts", "decided_by", True),
    ("revisions", "created_by", False),
    ("decisions", "decided_by", False),
    ("card_messages", "channel", False),
    ("card_messages", "ts", False),
    ("register_entries", "actor", False),
    ("rotation_tasks", "done_by", True),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
        for table, column, nullable in WIDENED:
            op.alter_column(
                table,
                column,
                type_=sa.String(255),
                existing_type=sa.String(64),
                existing_nullable=nullable,
            )
    op.create_table(
        "chat_addresses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("platform", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("chat_addresses")
    if op.get_bind().dialect.name != "sqlite":
        for table, column, nullable in WIDENED:
            op.alter_column(
                table,
                column,
                type_=sa.String(64),
                existing_type=sa.String(255),
                existing_nullable=nullable,
            )
