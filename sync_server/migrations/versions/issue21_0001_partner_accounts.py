"""partner accounts: the partner structure a `partner` user belongs to

Revision ID: issue21_0001
Revises: issue19_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "issue21_0001"
down_revision: str | None = "issue19_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            "fk_app_user_partner_id_partner", "partner", ["partner_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint("fk_app_user_partner_id_partner", type_="foreignkey")
        batch_op.drop_column("partner_id")
