"""erased rows: what an RGPD erasure removed, refused for good

Revision ID: issue22_0001
Revises: users_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "issue22_0001"
down_revision: str | None = "users_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_row",
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("cite_id", sa.String(length=36), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cite_id"], ["cite.id"]),
        sa.PrimaryKeyConstraint("row_id"),
    )
    op.create_index(op.f("ix_erased_row_cite_id"), "erased_row", ["cite_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_erased_row_cite_id"), table_name="erased_row")
    op.drop_table("erased_row")
