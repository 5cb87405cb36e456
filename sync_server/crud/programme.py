"""The cités a programme account reads, and their aggregated indicators."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from domain.indicators import Indicators, compute_indicators
from domain.periods import Period
from domain.programme import ProgrammeTable, programme_tables
from domain.quarterly import QuarterlyReport
from domain.vocabulary import PartnerType
from sync_server.crud.indicators import Rows, by_entity, cite_rows
from sync_server.crud.quarterly import quarterly_of_rows
from sync_server.models import Cite, Partner, ProgrammeCite


def programme_cites(session: Session, *, user_id: str) -> list[Cite]:
    """The cités attached to a programme account, by name."""
    return list(
        session.exec(
            select(Cite)
            .join(ProgrammeCite, col(ProgrammeCite.cite_id) == col(Cite.id))
            .where(ProgrammeCite.user_id == user_id)
            .order_by(col(Cite.name), col(Cite.id))
        ).all()
    )


def attach_cites(session: Session, *, user_id: str, cite_ids: list[str]) -> None:
    """Attach cités to a programme account (those already attached stay); no commit."""
    have = {
        pc.cite_id
        for pc in session.exec(select(ProgrammeCite).where(ProgrammeCite.user_id == user_id))
    }
    for cite_id in dict.fromkeys(cite_ids):
        if cite_id not in have:
            session.add(ProgrammeCite(user_id=user_id, cite_id=cite_id))
    session.flush()


def detach_cites(session: Session, *, user_id: str, cite_ids: list[str]) -> int:
    """Detach cités from a programme account; returns how many were attached. No commit."""
    links = session.exec(
        select(ProgrammeCite).where(
            ProgrammeCite.user_id == user_id, col(ProgrammeCite.cite_id).in_(cite_ids)
        )
    ).all()
    for link in links:
        session.delete(link)
    session.flush()
    return len(links)


def _partner_kinds(session: Session, *, cite_id: str) -> dict[str, str]:
    """Partner id → its kind's label: each cité has its own structures, the kinds
    (France Travail, Mission Locale…) are what cités share."""
    labels = {k.value: k.label for k in PartnerType}
    partners = session.exec(select(Partner).where(Partner.cite_id == cite_id)).all()
    return {p.id: labels.get(p.type, p.type) for p in partners}


def _indicators(rows: Rows, kinds: dict[str, str], period: Period) -> Indicators:
    return compute_indicators(period=period, partner_names=kinds, **by_entity(rows))


def _cites_rows(
    session: Session, cites: list[Cite]
) -> tuple[list[tuple[Rows, dict[str, str]]], Rows, dict[str, str]]:
    """Each cité's rows with its partners' kinds, and all of them together."""
    per_cite: list[tuple[Rows, dict[str, str]]] = []
    # Every entity present even with no cité attached: the figures are then zeros.
    together: Rows = {entity: [] for entity in ("event", "person", "contact", "orientation")}
    all_kinds: dict[str, str] = {}
    for cite in cites:
        rows = cite_rows(session, cite_id=cite.id)
        kinds = _partner_kinds(session, cite_id=cite.id)
        per_cite.append((rows, kinds))
        for entity, found in rows.items():
            together.setdefault(entity, []).extend(found)
        all_kinds |= kinds
    return per_cite, together, all_kinds


def programme_indicators(
    session: Session, *, cites: list[Cite], period: Period
) -> list[ProgrammeTable]:
    """Each cité's indicators side by side, and all of them together."""
    per_cite, together, all_kinds = _cites_rows(session, cites)
    overall = _indicators(together, all_kinds, period)
    return programme_tables([_indicators(r, k, period) for r, k in per_cite], overall)


def programme_quarterly(
    session: Session, *, cites: list[Cite], period: Period, today: dt.date
) -> tuple[list[ProgrammeTable], list[QuarterlyReport]]:
    """The quarter's tables side by side, and each cité's quarterly report (partners
    by kind, as in the tables)."""
    per_cite, together, all_kinds = _cites_rows(session, cites)
    reports = [
        quarterly_of_rows(
            session, cite_id=cite.id, rows=rows, partners=kinds, period=period, today=today
        )
        for cite, (rows, kinds) in zip(cites, per_cite, strict=True)
    ]
    overall = _indicators(together, all_kinds, period)
    return programme_tables([r.cite for r in reports], overall), reports
