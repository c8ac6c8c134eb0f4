"""Pictures sent to the bot in a chat (Teams), kept for the sender's next draft.

Revision ID: 0018_teamsmore
Revises: 0017_route
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_teamsmore"
down_revision = "0017_route"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_images",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("front_end", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("mimetype", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_chat_images_owner", "chat_images", ["front_end", "owner", "used_at"])


def downgrade() -> None:
    op.drop_index("ix_chat_images_owner", table_name="chat_images")
    op.drop_table("chat_images")
