"""enrolment codes and cité settings (retention)

Revision ID: insight_0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "insight_0002"
down_revision: str | None = "serversec_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrol_code",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index("ix_enrol_code_user_id", "enrol_code", ["user_id"])
    op.create_table(
        "cite_settings",
        sa.Column("cite_id", sa.String(length=36), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["cite_id"], ["cite.id"]),
        sa.PrimaryKeyConstraint("cite_id"),
    )


def downgrade() -> None:
    op.drop_table("cite_settings")
    op.drop_index("ix_enrol_code_user_id", table_name="enrol_code")
    op.drop_table("enrol_code")
