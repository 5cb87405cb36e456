"""erased rows (refused for good), a revoked device's held ops, wider conflict.field

Revision ID: issue22_0001
Revises: issue21_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "issue22_0001"
down_revision: str | None = "issue21_0001"
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
    op.create_table(
        "held_op",
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("cite_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("hlc", sa.String(length=80), nullable=False),
        sa.Column("base_version", sa.BigInteger(), nullable=True),
        sa.Column("set", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["cite_id"], ["cite.id"]),
        sa.PrimaryKeyConstraint("op_id"),
    )
    op.create_index(op.f("ix_held_op_cite_id"), "held_op", ["cite_id"], unique=False)
    # A soft conflict's `field` joins the op's field names: up to 266 for a person.
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.alter_column(
            "field", existing_type=sa.String(length=200), type_=sa.String(length=1000)
        )


def downgrade() -> None:
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.alter_column(
            "field", existing_type=sa.String(length=1000), type_=sa.String(length=200)
        )
    op.drop_index(op.f("ix_held_op_cite_id"), table_name="held_op")
    op.drop_table("held_op")
    op.drop_index(op.f("ix_erased_row_cite_id"), table_name="erased_row")
    op.drop_table("erased_row")
