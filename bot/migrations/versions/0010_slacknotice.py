"""Chat notices found again: when each was first tried, and this installation's own id.

A notice claimed before may have reached Slack although no answer came back: the next attempt
looks for it, among the messages since `first_tried_at`, by the installation id and the notice
id the message carries.

Revision ID: 0010_slacknotice
Revises: 0009_queue_index
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010_slacknotice"
down_revision = "0009_queue_index"
branch_labels = None
depends_on = None

OUTBOXES = ("notices", "engagement_notices")


def upgrade() -> None:
    for table in OUTBOXES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("first_tried_at", sa.DateTime(timezone=True), nullable=True))
    installation = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(
        installation, [{"id": 1, "key": uuid.uuid4().hex, "created_at": datetime.now(UTC)}]
    )


def downgrade() -> None:
    op.drop_table("installation")
    for table in OUTBOXES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("first_tried_at")
