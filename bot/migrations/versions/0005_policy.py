"""Policy rules: the chief's absence and deputy decisions, group requests, credential rotation.

Revision ID: 0005_policy
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_policy"
down_revision = "0001"
branch_labels = ("policy",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("away", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("group_date", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("group_draft", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(
            sa.Column("acting", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rotation_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.String(16), nullable=False, index=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rotation_tasks")
    op.drop_table("submissions")
    op.drop_table("groups")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("reviewed_at")
        batch.drop_column("acting")
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("group_draft")
        batch.drop_column("group_date")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("away")
