"""programme accounts: the cités each `programme` user reads the indicators of;
what a field-by-field merge replaced on the kept person (given back by an unmerge)

Revision ID: programme_0001
Revises: issue22_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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
    op.create_table(
        "merge_undo",
        sa.Column("absorbed_id", sa.String(length=36), nullable=False),
        sa.Column("survivor_id", sa.String(length=36), nullable=False),
        sa.Column("cite_id", sa.String(length=36), nullable=False),
        sa.Column(
            "previous", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "written", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cite_id"], ["cite.id"]),
        sa.PrimaryKeyConstraint("absorbed_id"),
    )
    op.create_index(op.f("ix_merge_undo_survivor_id"), "merge_undo", ["survivor_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_merge_undo_survivor_id"), table_name="merge_undo")
    op.drop_table("merge_undo")
    op.drop_table("programme_cite")
