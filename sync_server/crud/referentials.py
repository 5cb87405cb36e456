"""The referentials a device needs: its cité, QPVs, partners, members."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.sync import MemberOut, PartnerOut, QpvOut, ReferentialsOut
from sync_server.models import AppUser, Cite, Partner, Qpv


def get_referentials(session: Session, *, cite_id: str) -> ReferentialsOut:
    cite = session.get(Cite, cite_id)
    qpvs = session.exec(select(Qpv).where(Qpv.cite_id == cite_id).order_by(col(Qpv.code))).all()
    partners = session.exec(
        select(Partner).where(Partner.cite_id == cite_id).order_by(col(Partner.name))
    ).all()
    members = session.exec(
        select(AppUser)
        .where(AppUser.cite_id == cite_id, col(AppUser.active).is_(True))
        .order_by(col(AppUser.display_name))
    ).all()
    return ReferentialsOut(
        cite_id=cite_id,
        cite_name=cite.name if cite else "",
        qpvs=[QpvOut(code=q.code, name=q.name) for q in qpvs],
        partners=[PartnerOut(id=p.id, name=p.name, type=p.type) for p in partners],
        members=[MemberOut(id=m.id, display_name=m.display_name, role=m.role) for m in members],
        partner_themes={p.id: list(p.themes) for p in partners if p.themes},
    )
