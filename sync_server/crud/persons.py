"""Persons for the console: search, duplicate candidates, merges, pathways.

Every function that returns a person's data is named `read_…` so that the audit
log of person-record reads can hook in one place per read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain import matching, pathway
from domain.api.console import Page, Paging
from domain.api.review import (
    DuplicatePair,
    MergeOut,
    PathwayOut,
    PersonSummary,
    ReferentPeriodOut,
    TimelineEntryOut,
)
from domain.entities import person_display_name
from domain.periods import as_utc
from domain.person_groups import group_of, root_of
from domain.vocabulary import ExitType, PathwayStatus, Role
from sync_server.core.db import begin_write
from sync_server.models import AppUser, DuplicateDismissal, Qpv, Record, SyncOp
from sync_server.sync.supervisor_ops import (
    Invalid,
    NotFound,
    OpAuthor,
    Refused,
    get_live_row,
    member_names,
    partner_names,
    write_as_supervisor,
)

MAX_PAIRS = 200
KIND_LABELS = {
    "contact": "Contact",
    "orientation": "Orientation",
    "followup": "Relance",
    "exit": "Sortie",
}


def _persons(session: Session, *, cite_id: str) -> list[Record]:
    return list(
        session.exec(
            select(Record).where(
                Record.cite_id == cite_id,
                Record.entity == "person",
                col(Record.deleted).is_(False),
            )
        ).all()
    )


def _contact_counts(session: Session, *, cite_id: str) -> dict[str, int]:
    rows = session.exec(
        select(Record.person_id, func.count())
        .where(
            Record.cite_id == cite_id,
            Record.entity == "contact",
            col(Record.deleted).is_(False),
            col(Record.person_id).is_not(None),
        )
        .group_by(col(Record.person_id))
    ).all()
    return {pid: int(n) for pid, n in rows if pid}


def _qpv_names(session: Session, *, cite_id: str) -> dict[str, str]:
    return {q.code: q.name for q in session.exec(select(Qpv).where(Qpv.cite_id == cite_id)).all()}


def mask_phone(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 2:
        return None
    return "•• •• •• •• " + digits[-2:]


@dataclass(frozen=True)
class _Summaries:
    """What a person's summary line needs beyond the person: read once per request."""

    counts: dict[str, int]
    qpvs: dict[str, str]
    today: dt.date

    def of(self, row: Record, derived: PathwayStatus | None = None) -> PersonSummary:
        d = row.data
        year = matching.birth_year(d, self.today)
        status = derived.value if derived is not None else d.get("status")
        return PersonSummary(
            id=row.id,
            display_name=person_display_name(d),
            birth_year=year,
            age=None if year is None else self.today.year - year,
            phone_masked=mask_phone(d.get("phone")),
            qpv_code=d.get("qpv_code"),
            qpv_name=self.qpvs.get(d.get("qpv_code") or ""),
            contact_count=self.counts.get(row.id, 0),
            status=status,
            status_label=PathwayStatus(status).label if status else None,
            merged_into=d.get("merged_into"),
        )


def _summaries(session: Session, *, cite_id: str, today: dt.date) -> _Summaries:
    return _Summaries(
        counts=_contact_counts(session, cite_id=cite_id),
        qpvs=_qpv_names(session, cite_id=cite_id),
        today=today,
    )


def _matches(row: Record, query: str) -> bool:
    folded = matching.fold(query)
    digits = re.sub(r"\D", "", query)
    d = row.data
    if len(digits) >= 4 and digits in re.sub(r"\D", "", d.get("phone") or ""):
        return True
    names = matching.fold(
        " ".join(str(d.get(k) or "") for k in ("first_name", "last_name", "birth_name"))
    )
    # "ndiaye" finds "N'Diaye" and "benyahia" finds "Ben Yahia": spaces are optional.
    joined = names.replace(" ", "")
    return bool(folded) and all(w in names or w in joined for w in folded.split())


def read_persons_page(
    session: Session, *, cite_id: str, q: str, paging: Paging, today: dt.date
) -> Page[PersonSummary]:
    """Live, unmerged persons of the cité matching `q` (folded name or phone digits)."""
    persons = [p for p in _persons(session, cite_id=cite_id) if not p.data.get("merged_into")]
    if q.strip():
        persons = [p for p in persons if _matches(p, q)]
    persons.sort(
        key=lambda p: (
            matching.fold(p.data.get("last_name")),
            matching.fold(p.data.get("first_name")),
            p.id,
        )
    )
    summary = _summaries(session, cite_id=cite_id, today=today)
    window = paging.window(persons)
    statuses = _derived_statuses(session, cite_id=cite_id, persons=window, counts=summary.counts)
    items = [summary.of(p, statuses[p.id]) for p in window]
    return paging.of(items, total=len(persons))


def _derived_statuses(
    session: Session, *, cite_id: str, persons: list[Record], counts: dict[str, int]
) -> dict[str, PathwayStatus]:
    """Each person's status as their pathway shows it (`domain.pathway.derive_status`,
    over the persons merged into them too): the list and the pathway agree."""
    merged_into = {
        r.id: r.data.get("merged_into")
        for r in session.exec(
            select(Record).where(Record.cite_id == cite_id, Record.entity == "person")
        ).all()
    }
    groups = {p.id: group_of(merged_into, p.id) for p in persons}
    members = {m for g in groups.values() for m in g}
    orientations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if members:
        for o in session.exec(
            select(Record).where(
                Record.cite_id == cite_id,
                Record.entity == "orientation",
                col(Record.deleted).is_(False),
                col(Record.person_id).in_(members),
            )
        ).all():
            orientations[o.person_id or ""].append(o.data)
    return {
        p.id: pathway.derive_status(
            p.data,
            sum(counts.get(m, 0) for m in groups[p.id]),
            [o for m in groups[p.id] for o in orientations.get(m, [])],
        )
        for p in persons
    }


def _blocks(keys: matching.PersonKeys) -> set[str]:
    """Cheap keys two candidates must share, so the cité is not compared pairwise."""
    found = {f"tel:{keys.phone}"} if keys.phone else set()
    for last in {keys.last, keys.birth} - {""}:
        found.add(f"nom:{last}")
    if keys.last_phonetic:
        found.add(f"son:{keys.last_phonetic}")
    if keys.first_phonetic and keys.birth_year is not None:
        found.add(f"prenom:{keys.first_phonetic}:{keys.birth_year}")
    return found


def read_duplicate_pairs(session: Session, *, cite_id: str, today: dt.date) -> list[DuplicatePair]:
    """Pairs of live, unmerged persons that may be one person, best evidence first."""
    persons = {p.id: p for p in _persons(session, cite_id=cite_id) if not p.data.get("merged_into")}
    keys = {pid: matching.person_keys(pid, p.data, today) for pid, p in persons.items()}
    buckets: dict[str, list[str]] = defaultdict(list)
    for pid, k in keys.items():
        for block in _blocks(k):
            buckets[block].append(pid)
    dismissed = {
        (d.person_a, d.person_b)
        for d in session.exec(
            select(DuplicateDismissal).where(DuplicateDismissal.cite_id == cite_id)
        ).all()
    }
    pairs: dict[tuple[str, str], matching.MatchEvidence] = {}
    for ids in buckets.values():
        for a, b in combinations(sorted(set(ids)), 2):
            if (a, b) in pairs or (a, b) in dismissed:
                continue
            evidence = matching.compare(keys[a], keys[b])
            if evidence.score >= matching.CANDIDATE_THRESHOLD:
                pairs[(a, b)] = evidence
    summary = _summaries(session, cite_id=cite_id, today=today)
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1].score, kv[0]))[:MAX_PAIRS]
    return [
        DuplicatePair(
            a=summary.of(persons[a]),
            b=summary.of(persons[b]),
            score=ev.score,
            reasons=list(ev.reasons),
        )
        for (a, b), ev in ranked
    ]


def dismiss_pair(session: Session, *, user: AppUser, person_a: str, person_b: str) -> None:
    """Remember that two persons are different; the caller commits."""
    if person_a == person_b:
        raise Refused("Choisissez deux personnes différentes.")
    begin_write(session)
    for pid in (person_a, person_b):
        get_live_row(session, cite_id=user.cite_id, entity="person", row_id=pid)
    a, b = sorted((person_a, person_b))
    if session.get(DuplicateDismissal, (a, b)) is None:
        session.add(
            DuplicateDismissal(cite_id=user.cite_id, person_a=a, person_b=b, dismissed_by=user.id)
        )
        session.flush()


def name_referent(
    session: Session,
    *,
    author: OpAuthor,
    person_id: str,
    mediator_id: str,
) -> None:
    """The supervisor names a mediator of the cité the person's référent (an op that
    reaches every phone); the caller commits."""
    begin_write(session)
    person = get_live_row(session, cite_id=author.user.cite_id, entity="person", row_id=person_id)
    mediator = session.get(AppUser, mediator_id)
    if (
        mediator is None
        or mediator.cite_id != author.user.cite_id
        or not mediator.active
        or mediator.role != Role.MEDIATOR
    ):
        raise Invalid("Choisissez un médiateur actif de votre cité.")
    if person.data.get("referent_id") == mediator_id:
        raise Refused(f"{mediator.display_name} est déjà référent·e de cette personne.")
    write_as_supervisor(
        session,
        author=author,
        row=person,
        values={"referent_id": mediator_id},
    )


def read_recent_merges(
    session: Session, *, cite_id: str, today: dt.date, limit: int = 50
) -> list[MergeOut]:
    """Persons currently merged into another, most recent merge first."""
    persons = {p.id: p for p in _persons(session, cite_id=cite_id)}
    merged = [p for p in persons.values() if p.data.get("merged_into")]
    ledger = (
        session.exec(
            select(SyncOp)
            .where(col(SyncOp.row_id).in_([p.id for p in merged]), SyncOp.outcome == "applied")
            .order_by(col(SyncOp.received_at))
        ).all()
        if merged
        else []
    )
    last_merge = {o.row_id: o for o in ledger if o.set_values.get("merged_into")}
    names = member_names(session, cite_id=cite_id)
    summary = _summaries(session, cite_id=cite_id, today=today)
    out = []
    for p in merged:
        op = last_merge.get(p.id)
        target = persons.get(p.data["merged_into"])
        out.append(
            MergeOut(
                person=summary.of(p),
                into=None if target is None else summary.of(target),
                merged_at=op.received_at if op else None,
                merged_by_name=names.get(op.user_id) if op else None,
            )
        )
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    out.sort(key=lambda m: as_utc(m.merged_at) if m.merged_at else epoch, reverse=True)
    return out[:limit]


@dataclass(frozen=True)
class _Group:
    """A person kept, the persons merged into it, and their pathway built together."""

    root: Record
    merged: list[Record]
    built: pathway.Pathway
    owner: dict[str, str | None]
    """Each related row → the person of the group it was logged for."""


def _group(session: Session, *, cite_id: str, person_id: str, today: dt.date) -> _Group:
    persons = {p.id: p for p in _persons(session, cite_id=cite_id)}
    if person_id not in persons:
        raise NotFound("Personne introuvable dans votre cité.")
    merged_into = {pid: p.data.get("merged_into") for pid, p in persons.items()}
    root = root_of(merged_into, person_id)
    group = group_of(merged_into, person_id)
    related = session.exec(
        select(Record).where(
            Record.cite_id == cite_id,
            col(Record.entity).in_(["contact", "orientation", "followup"]),
            col(Record.person_id).in_(group),
        )
    ).all()
    rows = {
        kind: [pathway.Row(r.id, r.data, r.deleted) for r in related if r.entity == kind]
        for kind in ("contact", "orientation", "followup")
    }
    built = pathway.assemble(
        pathway.Row(root, persons[root].data),
        rows["contact"],
        rows["orientation"],
        rows["followup"],
        partner_names=partner_names(session, cite_id=cite_id),
        today=today,
    )
    return _Group(
        root=persons[root],
        merged=[persons[p] for p in sorted(group - {root})],
        built=built,
        owner={r.id: r.person_id for r in related},
    )


def _entry_out(
    entry: pathway.TimelineEntry, *, group: _Group, members: dict[str, str]
) -> TimelineEntryOut:
    return TimelineEntryOut(
        kind=entry.kind,
        kind_label=KIND_LABELS.get(entry.kind, entry.kind),
        row_id=entry.row_id,
        when=entry.when,
        title=entry.title,
        detail=entry.detail,
        author_name=members.get(entry.author_id or ""),
        person_id=group.owner.get(entry.row_id, group.root.id),
    )


def read_person_pathway(
    session: Session, *, cite_id: str, person_id: str, today: dt.date
) -> PathwayOut:
    """The pathway of a person and of every person merged into it (following `merged_into`)."""
    group = _group(session, cite_id=cite_id, person_id=person_id, today=today)
    built, root = group.built, group.root.data
    members = member_names(session, cite_id=cite_id)
    summary = _summaries(session, cite_id=cite_id, today=today)
    unknown = "médiateur inconnu"
    exit_type = root.get("exit_type")
    return PathwayOut(
        person=summary.of(group.root),
        merged_persons=[summary.of(p) for p in group.merged],
        status=built.status.value,
        status_label=built.status.label,
        first_contact=built.first_contact,
        last_contact=built.last_contact,
        contact_count=built.contact_count,
        orientation_count=built.orientation_count,
        referents=[members.get(m, unknown) for m in built.referents],
        referent_periods=[
            ReferentPeriodOut(
                name=members.get(r.mediator_id, unknown), since=r.since, until=r.until
            )
            for r in built.referent_periods
        ],
        referent_id=built.referent_id,
        referent_name=members.get(built.referent_id) if built.referent_id else None,
        referent_chosen=built.referent_chosen,
        exit_label=ExitType(exit_type).label if exit_type else None,
        exit_date=root.get("exit_date"),
        timeline=[_entry_out(e, group=group, members=members) for e in built.timeline],
        open_followups=[_entry_out(e, group=group, members=members) for e in built.open_followups],
    )
