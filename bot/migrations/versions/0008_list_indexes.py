"""Indexes that hold each App Home list in its own order, replacing single-column ones.

`drafts (status, id)` and `drafts (author_id, id)` give the pending list and one's own drafts
page by page without sorting; `publications (status, draft_id)` gives the failed and scheduled
posts without looking at every approved draft; `publications (status, published_at)` gives the
latest posts without sorting every published one (SQLite chose the status index and sorted).
Each replaces a single-column index that it makes redundant.

Revision ID: 0008_list_indexes
Revises: 0007_chat_identities
"""

from alembic import op

revision = "0008_list_indexes"
down_revision = "0007_chat_identities"
branch_labels = None
depends_on = None

REPLACED = (  # (table, old index, its column, new index, its columns)
    ("drafts", "ix_drafts_status", "status", "ix_drafts_status_id", ["status", "id"]),
    ("drafts", "ix_drafts_author_id", "author_id", "ix_drafts_author_id_id", ["author_id", "id"]),
    (
        "publications",
        "ix_publications_status",
        "status",
        "ix_publications_status_draft_id",
        ["status", "draft_id"],
    ),
    (
        "publications",
        "ix_publications_published_at",
        "published_at",
        "ix_publications_status_published_at",
        ["status", "published_at"],
    ),
)


def upgrade() -> None:
    for table, old, _, new, columns in REPLACED:
        op.create_index(new, table, columns)
        op.drop_index(old, table)


def downgrade() -> None:
    for table, old, column, new, _ in REPLACED:
        op.create_index(old, table, [column])
        op.drop_index(new, table)
