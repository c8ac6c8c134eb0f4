"""Chat notices found again: when each was first tried.

A notice claimed before may have reached Slack although no answer came back: the next attempt
looks for it, among the messages since `first_tried_at`, by the installation id (migration
0011) and the notice id the message carries.

Revision ID: 0012_slacknotice
Revises: 0011_findagain
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_slacknotice"
down_revision = "0011_findagain"
branch_labels = None
depends_on = None

OUTBOXES = ("notices", "engagement_notices")


def upgrade() -> None:
    for table in OUTBOXES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("first_tried_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in OUTBOXES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("first_tried_at")
