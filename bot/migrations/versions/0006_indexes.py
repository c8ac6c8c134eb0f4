"""Indexes for the App Home lists at scale (failed and scheduled posts, latest publications).

Revision ID: 0006_indexes
Revises: 0005_policy
"""

from alembic import op

revision = "0006_indexes"
down_revision = "0005_policy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_publications_draft_revision_status", "publications", ["draft_id", "revision", "status"]
    )
    op.create_index("ix_publications_published_at", "publications", ["published_at"])


def downgrade() -> None:
    op.drop_index("ix_publications_published_at", "publications")
    op.drop_index("ix_publications_draft_revision_status", "publications")
