"""The register's key mark: an HMAC of each entry's hash, with a key kept outside the database.

Existing entries keep no mark (NULL) and stay verifiable as they were written.

Revision ID: 0010_register
Revises: 0009_queue_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_register"
down_revision = "0009_queue_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("register_entries", sa.Column("mac", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("register_entries") as batch:
        batch.drop_column("mac")
