"""A stored form submission remembers its draft, so a retried delivery is answered with it.

Teams retries an unanswered dialog submission; the retry stores nothing (the key is taken) and
is now answered with the same words as the first delivery, which name the draft. Existing rows
keep a null draft (they are answered without the number).

Revision ID: 0019_teamsfix
Revises: 0018_teamsmore
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_teamsfix"
down_revision = "0018_teamsmore"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("draft_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("draft_id")
