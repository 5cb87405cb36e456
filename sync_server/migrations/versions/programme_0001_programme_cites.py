"""programme accounts: the cités each `programme` user reads the indicators of

Revision ID: programme_0001
Revises: issue22_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "programme_0001"
down_revision: str | None = "issue22_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_cite",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("cite_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["cite_id"], ["cite.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("user_id", "cite_id"),
    )


def downgrade() -> None:
    op.drop_table("programme_cite")
