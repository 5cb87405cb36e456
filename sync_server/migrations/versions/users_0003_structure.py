"""users' structure (the employing structure, docs/architecture.md §2.2)

Revision ID: users_0003
Revises: review_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "users_0003"
down_revision: str | None = "review_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("structure", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("structure")
