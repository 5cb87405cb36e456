"""Demo data: the Cité de l'emploi de Creil, its people and a few weeks of field work.

Synced rows are written through `push_ops`, the same path as real pushes (with a
"seed" device per user), so demo data is indistinguishable from synced data.
Run: `uv run python -m sync_server.jobs.seed` (uses RELAIS_DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from domain.hlc import HlcClock
from domain.ids import uuid7
from domain.sync import Op
from sync_server.crud.users import create_user, enrol_device, revoke_device
from sync_server.models import AppUser, Cite, Device, Partner, Qpv, UserCreate
from sync_server.sync.push import push_ops

CITE_NAME = "Cité de l'emploi de Creil"
DEMO_PASSWORD = "relais-demo"
QPVS = {
    "QN0600101": "Rouher",
    "QN0600102": "Les Hauts de Creil",
    "QN0600103": "Plateau Nogent",
    "QN0600104": "Les Martinets (Montataire)",
}
PARTNERS = [
    ("France Travail Creil", "france_travail", ["emploi", "inscription"]),
    ("Mission Locale de la Vallée de l'Oise", "mission_locale", ["jeunes", "emploi"]),
    ("Cap emploi Oise", "cap_emploi", ["handicap"]),
    ("PLIE du Creillois", "plie", ["accompagnement renforcé"]),
    ("CCAS de Creil", "ccas", ["aides sociales", "logement"]),
    ("AFPA Creil", "training", ["formation qualifiante"]),
    ("Association Femmes Solidaires du Creillois", "association", ["FLE", "garde d'enfants"]),
]
USERS = [  # (username, display name, role, employing structure)
    ("amina", "Amina Diallo", "mediator", "Ville de Creil"),
    ("karim", "Karim Benali", "mediator", "Association Rue & Cité"),
    ("julie", "Julie Martin", "mediator", "Ville de Creil"),
    ("sophie", "Sophie Lefèvre", "supervisor", "Ville de Creil"),
    ("admin", "Administrateur Relais", "admin", None),
]
# (first, last, birth_date, commune, qpv, gender, freins); the two Benyahia rows
# are one man logged twice by two mediators: a duplicate for the supervisor to merge.
PERSONS: list[tuple[str, str, str | None, str, str, str, list[str]]] = [
    ("Aïcha", "N'Diaye", "1998-04-12", "Creil", "QN0600101", "f", ["childcare", "french"]),
    ("Mohamed", "Benyahia", "1987-09-03", "Creil", "QN0600102", "m", ["mobility"]),
    ("Mohammed", "Ben Yahia", "1987-09-03", "Creil", "QN0600102", "m", []),
    ("Émilie", "Lefèbvre", "2003-01-22", "Nogent-sur-Oise", "QN0600103", "f", ["project"]),
    ("Jérôme", "Dubois", "1969-11-30", "Montataire", "QN0600104", "m", ["digital"]),
    ("Fatoumata", "Traoré", "1991-06-18", "Creil", "QN0600101", "f", ["literacy", "childcare"]),
    ("Kévin", "Lemaire", "2005-03-09", "Creil", "QN0600102", "m", ["qualification"]),
    ("Yasmine", "Haddad", None, "Nogent-sur-Oise", "QN0600103", "f", ["confidence"]),
    ("Grégory", "Petit", "1979-08-14", "Villers-Saint-Paul", "QN0600104", "m", ["housing"]),
    ("Océane", "Moreau", "2001-12-01", "Creil", "QN0600101", "f", ["mobility", "project"]),
    ("Samir", "Cherif", "1994-02-27", "Montataire", "QN0600104", "m", ["administrative"]),
    ("Inès", "Bouazza", "1985-05-05", "Creil", "QN0600102", "f", ["financial", "childcare"]),
]
EVENTS = [
    ("foot_of_building", "Pied de la tour Rouher, place Saint-Médard", "QN0600101", "reach_out"),
    ("drop_in", "Maison de quartier des Hauts de Creil", "QN0600102", "reach_out"),
    ("forum", "Forum emploi du Plateau, gymnase Léo-Lagrange", "QN0600103", "identify"),
    ("door_to_door", "Rue Jean-Jaurès, Les Martinets", "QN0600104", "identify"),
]


class _Writer:
    """Pushes ops as a given user through the real merge path."""

    def __init__(self, session: Session, clock: HlcClock) -> None:
        self.session, self.clock = session, clock
        self.devices: dict[str, Device] = {}
        self.seen: dict[str, int] = {}  # row id -> version, as a device would remember
        self.seq = 0

    def put(
        self,
        user: AppUser,
        entity: str,
        values: dict[str, Any],
        row_id: str = "",
        accept: tuple[str, ...] = ("applied",),
    ) -> str:
        row_id = row_id or uuid7()
        device = self.devices.get(user.id)
        if device is None:
            device, _token = enrol_device(self.session, user=user, name="seed")
            revoke_device(self.session, device=device)  # never used by a real client
            self.devices[user.id] = device
        self.seq += 1
        op = Op(
            op_id=uuid7(),
            device_seq=self.seq,
            entity=entity,  # type: ignore[arg-type]
            row_id=row_id,
            hlc=self.clock.now().encode(),
            base_version=self.seen.get(row_id),
            set=values,
        )
        [result] = push_ops(self.session, user=user, device=device, ops=[op], clock=self.clock)
        if result.outcome not in accept:
            raise RuntimeError(f"seed op {entity} {result.outcome}: {result.reason}")
        self.seen[row_id] = result.version or 0
        return row_id

    def concurrent(self, edits: list[tuple[AppUser, dict[str, Any]]], row_id: str) -> None:
        """Edits made offline on several phones from the same version: a hard conflict."""
        base = self.seen.get(row_id)
        for user, values in edits:
            self.seen[row_id] = base or 0
            # The later edits come back as "conflict": both values kept for a supervisor.
            self.put(user, "person", values, row_id=row_id, accept=("applied", "conflict"))


@dataclass(frozen=True)
class _Demo:
    """The demo cité's fixed parts, and what writes its field work."""

    partners: list[Partner]
    users: dict[str, AppUser]
    writer: _Writer
    today: dt.datetime
    rng: random.Random

    @property
    def mediators(self) -> list[AppUser]:
        return [self.users["amina"], self.users["karim"], self.users["julie"]]


def _create_cite(session: Session) -> _Demo:
    """The cité, its QPVs, partner structures and users."""
    cite = Cite(
        name=CITE_NAME, communes=["Creil", "Nogent-sur-Oise", "Montataire", "Villers-Saint-Paul"]
    )
    session.add(cite)
    session.flush()
    session.add_all(Qpv(code=code, name=name, cite_id=cite.id) for code, name in QPVS.items())
    partners = [Partner(cite_id=cite.id, name=n, type=t, themes=th) for n, t, th in PARTNERS]
    session.add_all(partners)
    users = {
        username: create_user(
            session,
            user_create=UserCreate(
                username=username,
                display_name=name,
                role=role,
                cite_id=cite.id,
                password=DEMO_PASSWORD,
                structure=structure,
            ),
        )
        for username, name, role, structure in USERS
    }
    session.flush()
    return _Demo(
        partners=partners,
        users=users,
        writer=_Writer(session, HlcClock(node="seed")),
        today=dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0),
        rng=random.Random(42),
    )


def _seed_events(demo: _Demo) -> list[str]:
    events = []
    for i, (etype, place, qpv, axis) in enumerate(EVENTS):
        starts = demo.today - dt.timedelta(days=35 - 9 * i, hours=-14)
        values = {
            "type": etype,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
            "place": place,
            "qpv_code": qpv,
            "axis": axis,
            "partner_ids": [demo.partners[i % 2].id],
            "mediator_ids": [m.id for m in demo.mediators[: 1 + i % 3]],
        }
        events.append(demo.writer.put(demo.mediators[i % 3], "event", values))
    return events


def _person_values(i: int, rng: random.Random) -> dict[str, Any]:
    first, last, birth, commune, qpv, gender, freins = PERSONS[i]
    values: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "commune": commune,
        "qpv_code": qpv,
        "gender": gender,
        "freins": freins,
        "ft_registration": rng.choice(["yes", "no", "unknown"]),
        "info_notice_given": True,
    }
    if birth:
        values["birth_date"] = birth
    else:
        values["declared_age"] = 34
    if i % 3 == 0:
        values["phone"] = f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} 4{i:01d} 2{i:01d}"
    if i in (1, 2):  # the Benyahia duplicate gave the same phone, written two ways
        values["phone"] = ("06 51 23 45 67", "+33 6 51 23 45 67")[i - 1]
    if i == 5:
        values["family_situation"] = "single_parent"
    return values


def _seed_persons(demo: _Demo) -> list[str]:
    return [
        demo.writer.put(demo.mediators[i % 3], "person", _person_values(i, demo.rng))
        for i in range(len(PERSONS))
    ]


def _contact_values(
    demo: _Demo, i: int, *, event: str | None, person: str | None
) -> dict[str, Any]:
    """The i-th contact: under an action de terrain or not, anonymous or about `person`."""
    channels = ["foot_of_building", "drop_in", "phone", "appointment", "escort"]
    when = demo.today - dt.timedelta(days=40 - i, hours=-(9 + i % 8))
    rng = demo.rng
    values: dict[str, Any] = {
        "mediator_id": demo.mediators[i % 3].id,
        "occurred_at": when.isoformat(),
        "channel": "foot_of_building" if event else channels[i % 5],
        "freins": rng.sample(["mobility", "french", "digital", "childcare", "project"], 2),
        "need": rng.choice(["Trouver un emploi", "Une formation", "Faire un CV", "Garde"]),
        "info_notice_given": person is not None,
    }
    if event:
        values["event_id"] = event
    if person is None:
        values |= {
            "age_band": rng.choice(["under_26", "26_49", "50_plus"]),
            "gender": rng.choice(["f", "m", "unknown"]),
            "qpv_resident": rng.choice(["yes", "no", "unknown"]),
        }
    else:
        values["person_id"] = person
        values["note"] = "Intéressé·e par l'atelier CV de jeudi."
    return values


def _seed_contacts(demo: _Demo, *, events: list[str], persons: list[str]) -> list[str]:
    """Thirty contacts, one in three anonymous, one in two under an action de terrain;
    the supervisor reviewed the first twelve."""
    contacts = []
    for i in range(30):
        event = events[i % 4] if i % 2 == 0 else None
        person = None if i % 3 == 2 else persons[i % len(persons)]
        values = _contact_values(demo, i, event=event, person=person)
        contacts.append(demo.writer.put(demo.mediators[i % 3], "contact", values))
    for i, contact in enumerate(contacts[:12]):
        review: dict[str, Any] = {"review_state": "validated"}
        if i % 5 == 4:
            review = {"review_state": "to_fix", "review_comment": "Préciser le besoin exprimé."}
        demo.writer.put(demo.users["sophie"], "contact", review, row_id=contact)
    return contacts


def _seed_orientations_and_followups(demo: _Demo, persons: list[str]) -> None:
    statuses = ["proposed", "accepted", "appointment", "attended", "refused"]
    mediators = demo.mediators
    for i in range(5):
        values: dict[str, Any] = {
            "person_id": persons[i * 2],
            "partner_id": demo.partners[i % len(demo.partners)].id,
            "theme": "emploi",
            "reason": "Inscription et premier rendez-vous",
            "date": (demo.today - dt.timedelta(days=20 - i)).date().isoformat(),
            "status": statuses[i],
        }
        demo.writer.put(mediators[i % 3], "orientation", values)
    for i in range(4):
        values = {
            "person_id": persons[i * 3],
            "mediator_id": mediators[i % 3].id,
            "due_date": (demo.today + dt.timedelta(days=3 + i)).date().isoformat(),
            "what": "Rappeler pour le rendez-vous France Travail",
            "done": i == 0,
        }
        demo.writer.put(mediators[i % 3], "followup", values)


def seed_demo(session: Session) -> bool:
    """Create the demo cité; returns False (and does nothing) if it already exists."""
    if session.exec(select(Cite).where(Cite.name == CITE_NAME)).first() is not None:
        return False
    demo = _create_cite(session)
    events = _seed_events(demo)
    persons = _seed_persons(demo)
    _seed_contacts(demo, events=events, persons=persons)
    _seed_orientations_and_followups(demo, persons)
    # Amina and Karim both updated Aïcha's France Travail registration offline.
    demo.writer.concurrent(
        [
            (demo.users["amina"], {"ft_registration": "yes"}),
            (demo.users["karim"], {"ft_registration": "no"}),
        ],
        persons[0],
    )
    session.commit()
    return True


def main() -> None:
    from sync_server.core.db import make_engine, migrate
    from sync_server.core.settings import Settings

    settings = Settings()
    engine = make_engine(settings)
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        created = seed_demo(session)
    engine.dispose()
    print("Données de démonstration créées." if created else "Données déjà présentes.")


if __name__ == "__main__":
    main()
