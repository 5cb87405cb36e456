"""duplicate dismissals (pairs a supervisor said are different persons)

Revision ID: review_0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "review_0002"
down_revision: str | None = "insight_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duplicate_dismissal",
        sa.Column("cite_id", sa.String(length=36), nullable=False),
        sa.Column("person_a", sa.String(length=36), nullable=False),
        sa.Column("person_b", sa.String(length=36), nullable=False),
        sa.Column("dismissed_by", sa.String(length=36), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cite_id"], ["cite.id"]),
        sa.PrimaryKeyConstraint("person_a", "person_b"),
    )
    with op.batch_alter_table("duplicate_dismissal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duplicate_dismissal_cite_id"), ["cite_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("duplicate_dismissal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_dismissal_cite_id"))
    op.drop_table("duplicate_dismissal")
