"""engagements (policy §7, §8): follow, retweet, like and share requests, and their chat notices

Revision ID: 0003_engagement
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_engagement"
down_revision = "0001"
branch_labels = ("engagement",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat", sa.String(length=16), nullable=False),
        sa.Column("requester_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("target_url", sa.Text(), nullable=False),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("official_confirmed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("result_url", sa.Text(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("card_refs", sa.JSON(), nullable=False),
        sa.Column("submission", sa.String(length=160), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission"),
    )
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagements_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_engagements_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_engagements_due_at"), ["due_at"], unique=False)

    op.create_table(
        "engagement_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("engagement_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagement_notices_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_engagement_notices_done"), ["done"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("engagement_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagement_notices_done"))
        batch_op.drop_index(batch_op.f("ix_engagement_notices_engagement_id"))
    op.drop_table("engagement_notices")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagements_due_at"))
        batch_op.drop_index(batch_op.f("ix_engagements_status"))
        batch_op.drop_index(batch_op.f("ix_engagements_requester_id"))
    op.drop_table("engagements")
