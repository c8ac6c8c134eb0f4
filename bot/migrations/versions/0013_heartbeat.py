"""Workers heartbeat: a row per running dispatcher, and which worker holds each claim.

A publication, engagement or chat notice held by a worker whose heartbeat stopped is taken
over after the heartbeat timeout instead of the whole lease. Existing claims have no holder
and keep the lease.

Revision ID: 0013_heartbeat
Revises: 0012_slacknotice
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_heartbeat"
down_revision = "0012_slacknotice"
branch_labels = None
depends_on = None

CLAIMING_TABLES = ("publications", "engagements", "notices", "engagement_notices")


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
    )
    for table in CLAIMING_TABLES:  # a nullable column: SQLite adds it without a table copy
        op.add_column(table, sa.Column("claimed_by", sa.String(32), nullable=True))


def downgrade() -> None:
    for table in CLAIMING_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("claimed_by")
    op.drop_table("workers")
