"""Deputy decisions on moderation items (代決, policy §11): the acting flag and the chief's later
review (後閲), as drafts and engagements have; and each revision's answer to the §4 question
whether its information is already on the internet.

Items decided before this revision keep `acting = false`: only the chief could decide them then.
Revisions stored before it keep `on_internet = NULL` (not asked). Register entries are not
touched, so the chain verifies as before.

Revision ID: 0016_policy
Revises: 0015_pipeline
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_policy"
down_revision = "0015_pipeline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("moderation_items") as batch:
        batch.add_column(
            sa.Column("acting", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("on_internet", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("on_internet")
    with op.batch_alter_table("moderation_items") as batch:
        batch.drop_column("reviewed_at")
        batch.drop_column("acting")
