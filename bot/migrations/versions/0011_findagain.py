"""Find-again that cannot adopt someone else's post: an installation id and the first claim.

Every database gets one random installation id (kept in `installation`), part of the blog
slug so that two installations writing to one blog never share a slug. Publications keep when
their first attempt began (`first_claimed_at`), so find-again looks only at posts made since.
Rows already claimed get a safe lower bound: the earlier of their draft's decision and the
latest claim.

Revision ID: 0011_findagain
Revises: 0010_register
"""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011_findagain"
down_revision = "0010_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    installation = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("installation_id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    now = datetime.now(UTC)
    now = now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else now
    op.bulk_insert(
        installation, [{"id": 1, "installation_id": secrets.token_hex(5), "created_at": now}]
    )
    op.add_column(
        "publications", sa.Column("first_claimed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        sa.text(
            "UPDATE publications SET first_claimed_at = CASE"
            " WHEN (SELECT d.decided_at FROM drafts d WHERE d.id = publications.draft_id)"
            " < claimed_at"
            " THEN (SELECT d.decided_at FROM drafts d WHERE d.id = publications.draft_id)"
            " ELSE claimed_at END"
            " WHERE claimed_at IS NOT NULL"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("publications") as batch:  # SQLite drops columns by copying
        batch.drop_column("first_claimed_at")
    op.drop_table("installation")
