"""the database's epoch (restores) and a partner's commune

Revision ID: issue19_0001
Revises: users_0003
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "issue19_0001"
down_revision: str | None = "users_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("epoch", sa.String(length=36), nullable=False, server_default="initial")
        )
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.alter_column("epoch", server_default=None)
    op.execute(f"UPDATE sync_state SET epoch = '{uuid.uuid4()}'")
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_column("commune")
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.drop_column("epoch")
