"""Group intake (policy §5(4)): each registered group's private link and the requests it sends.

New tables only: no existing row or register entry is touched.

Revision ID: 0020_intake
Revises: 0019_teamsfix
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_intake"
down_revision = "0019_teamsfix"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_name"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "group_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("x_text", sa.Text(), nullable=False),
        sa.Column("blog_title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("wished_date", sa.String(length=10), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("reason_shared", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_group_requests_group_name", "group_requests", ["group_name"])
    op.create_index("ix_group_requests_draft_id", "group_requests", ["draft_id"])
    op.create_table(
        "group_request_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mimetype", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["group_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_group_request_images_request_id", "group_request_images", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_group_request_images_request_id", table_name="group_request_images")
    op.drop_table("group_request_images")
    op.drop_index("ix_group_requests_draft_id", table_name="group_requests")
    op.drop_index("ix_group_requests_group_name", table_name="group_requests")
    op.drop_table("group_requests")
    op.drop_table("intake_links")
