"""Deputy decisions on engagements (代決): the acting flag and the chief's later review (後閲).

Engagements decided before this revision keep `acting = false`: their register entries are
unchanged, and whether a deputy took them can be read there (who decided, and the roster).

Revision ID: 0014_duties
Revises: 0013_heartbeat
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_duties"
down_revision = "0013_heartbeat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("engagements") as batch:
        batch.add_column(
            sa.Column("acting", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("engagements") as batch:
        batch.drop_column("reviewed_at")
        batch.drop_column("acting")
