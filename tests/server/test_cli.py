"""The operators' command line (`./relais migrate | admin … | backup | restore`),
on a real SQLite file and a real PostgreSQL database: what an operator types,
what it prints, and that a refused command changes nothing."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from scripts.processes import ROOT
from sync_server import cli
from sync_server.core.db import head_revision, make_engine, schema_revision
from sync_server.core.settings import Settings
from sync_server.main import create_app
from sync_server.models import AppUser, Cite, Partner, Qpv

CITE = "Cité de l'emploi de Creil"
STRONG = "Vraiment-Solide-2026"
GOOD_CSV = """type;code;nom;genre;thematiques;commune
qpv;QN0600101;Rouher;;;
qpv;QN0600102;Les Hauts de Creil;;;
partenaire;;France Travail Creil;france_travail;emploi|inscription;Creil
partenaire;;Mission Locale de la Vallée de l'Oise;Mission Locale;jeunes;Creil
commune;;Montataire;;;
"""
BAD_CSV = """type;code;nom;genre;thematiques;commune
qpv;QN0600101;Rouher;;;
qpv;XX12;Mauvais;;;
partenaire;;France Travail Creil;agence;emploi;Creil
truc;;Quoi;;;
commune;;Creil;;;
"""


def run(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setenv("RELAIS_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def counts(database_url: str) -> dict[str, int]:
    engine = make_engine(Settings(database_url=database_url))
    try:
        with Session(engine) as session:
            return {
                "cite": len(session.exec(select(Cite)).all()),
                "user": len(session.exec(select(AppUser)).all()),
                "qpv": len(session.exec(select(Qpv)).all()),
                "partner": len(session.exec(select(Partner)).all()),
            }
    finally:
        engine.dispose()


def test_a_first_cite_and_its_admin(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def relais(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        return run(database_url, monkeypatch, capsys, *argv, stdin=stdin)

    # Nothing works on a database never migrated, and it says what to do.
    code, _, err = relais("admin", "create-cite", "--name", CITE)
    assert code == 1
    assert "./relais migrate" in err
    engine = make_engine(Settings(database_url=database_url))
    assert schema_revision(engine) is None
    engine.dispose()

    code, out, _ = relais("migrate")
    assert code == 0
    assert f"→ {head_revision()}" in out
    code, out, _ = relais("migrate")
    assert (code, out.strip()) == (0, f"Base de données déjà à jour (révision {head_revision()}).")

    assert relais("admin", "create-cite", "--name", CITE, "--communes", "Creil, Nogent")[0] == 0
    code, _, err = relais("admin", "create-cite", "--name", CITE.upper())
    assert code == 1
    assert "existe déjà" in err

    admin = ("admin", "create-admin", "--cite", CITE, "--username", "chef")
    for weak, why in [
        ("", "vide"),
        ("court1", "au moins 12 caractères"),
        ("chef-de-projet-2026", "identifiant"),
        ("aaaaaaaaaaaaaaaa", "trop facile"),
        ("motdepasse", "au moins 12"),
    ]:
        code, _, err = relais(*admin, stdin=weak + "\n")
        assert code == 1, weak
        assert why in err and "Aucun compte n'a été créé" in err
    code, _, err = relais("admin", "create-admin", "--cite", "Cité inconnue", "--username", "x1")
    assert code == 1
    assert "create-cite" in err
    assert counts(database_url)["user"] == 0

    code, out, _ = relais(*admin, stdin=STRONG + "\n")
    assert code == 0, out
    code, _, err = relais(*admin, stdin=STRONG + "\n")
    assert code == 1
    assert "déjà pris" in err

    # The new admin logs in, creates a mediator and enrols a phone with a code.
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        login = client.post(
            "/auth/login", json={"username": "chef", "password": STRONG, "device_name": "pc"}
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        user = client.post(
            "/admin/users",
            headers=auth,
            json={
                "username": "amina",
                "display_name": "Amina Diallo",
                "role": "mediator",
                "password": "une-phrase-de-passe",
            },
        )
        assert user.status_code == 201, user.text
        code_reply = client.post(f"/admin/users/{user.json()['id']}/enrol-codes", headers=auth)
        enrol = client.post(
            "/auth/enrol", json={"code": code_reply.json()["code"], "device_name": "Pixel 7"}
        )
        assert enrol.status_code == 200, enrol.text


def test_referentials_are_imported_whole_or_not_at_all(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    def relais(*argv: str) -> tuple[int, str, str]:
        return run(database_url, monkeypatch, capsys, *argv)

    relais("migrate")
    relais("admin", "create-cite", "--name", CITE, "--communes", "Creil")
    relais("admin", "create-cite", "--name", "Cité de l'emploi de Beauvais")
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    good.write_text(GOOD_CSV, encoding="utf-8")

    code, _, err = relais("admin", "import-referentials", "--cite", CITE, str(bad))
    assert code == 1
    assert "rien n'a été importé" in err
    assert "ligne 3 : code QPV « XX12 » invalide" in err
    assert "ligne 4 : genre « agence » inconnu" in err
    assert "ligne 5 : type « truc » inconnu" in err
    assert "ligne 2" not in err and "ligne 6" not in err
    assert counts(database_url)["qpv"] == counts(database_url)["partner"] == 0

    code, out, _ = relais("admin", "import-referentials", "--cite", CITE, str(good))
    assert code == 0, out
    assert "2 QPV, 2 partenaire(s), 1 commune(s)" in out
    # Again: the same rows, not twice.
    assert relais("admin", "import-referentials", "--cite", CITE, str(good))[0] == 0
    assert counts(database_url) | {"cite": 0, "user": 0} == {
        "cite": 0,
        "user": 0,
        "qpv": 2,
        "partner": 2,
    }
    engine = make_engine(Settings(database_url=database_url))
    with Session(engine) as session:
        cite = session.exec(select(Cite).where(Cite.name == CITE)).one()
        assert cite.communes == ["Creil", "Montataire"]
        ml = session.exec(select(Partner).where(Partner.type == "mission_locale")).one()
        assert (ml.themes, ml.commune) == (["jeunes"], "Creil")
    engine.dispose()

    # A QPV already in another cité: refused, nothing of the file written.
    other = tmp_path / "other.csv"
    other.write_text(
        "type,code,nom,genre,thematiques,commune\nqpv,QN0600101,Rouher,,,\n"
        "partenaire,,CCAS de Beauvais,ccas,,Beauvais\n",
        encoding="utf-8",
    )
    code, _, err = relais(
        "admin", "import-referentials", "--cite", "Cité de l'emploi de Beauvais", str(other)
    )
    assert code == 1
    assert "QPV QN0600101 : déjà rattaché à une autre cité" in err
    assert counts(database_url)["partner"] == 2


def _rows(database_url: str) -> list[str]:
    engine = make_engine(Settings(database_url=database_url))
    with Session(engine) as session:
        names = sorted(c.name for c in session.exec(select(Cite)).all())
    engine.dispose()
    return names


def test_backup_then_restore_and_a_file_that_is_not_a_backup(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    def relais(*argv: str) -> tuple[int, str, str]:
        return run(database_url, monkeypatch, capsys, *argv)

    relais("migrate")
    relais("admin", "create-cite", "--name", CITE)
    backup = tmp_path / "relais.backup"
    code, out, _ = relais("backup", str(backup))
    assert code == 0, out
    assert backup.stat().st_mode & 0o077 == 0  # personal data: owner only
    assert relais("backup", str(backup))[0] == 1  # never overwritten by mistake
    relais("admin", "create-cite", "--name", "Cité ajoutée après la sauvegarde")
    engine = make_engine(Settings(database_url=database_url))
    with engine.connect() as conn:
        epoch_before = conn.execute(text("SELECT epoch FROM sync_state")).scalar_one()
    engine.dispose()

    not_backups = {
        "referentiels.csv": GOOD_CSV.encode(),
        "vide.backup": b"",
        "tronque.backup": backup.read_bytes()[:200],
        "autre.sqlite3": None,
    }
    for name, content in not_backups.items():
        path = tmp_path / name
        if content is None:
            with closing(sqlite3.connect(path)) as other:
                other.execute("CREATE TABLE t (x)")
        else:
            path.write_bytes(content)
        code, _, err = relais("restore", str(path))
        assert code == 1, name
        assert "rien n'a été restauré" in err or "la base est restée" in err, err
        assert _rows(database_url) == sorted([CITE, "Cité ajoutée après la sauvegarde"]), name

    code, out, _ = relais("restore", str(backup))
    assert code == 0, out
    assert _rows(database_url) == [CITE]
    engine = make_engine(Settings(database_url=database_url))
    with engine.connect() as conn:
        epoch_after = conn.execute(text("SELECT epoch FROM sync_state")).scalar_one()
    assert schema_revision(engine) == head_revision()
    engine.dispose()
    assert epoch_after != epoch_before


@pytest.mark.postgres
@pytest.mark.processes
def test_postgres_instances_migrating_together_take_turns(pg_admin: object) -> None:
    from tests.server.conftest import fresh_pg_database

    with fresh_pg_database(pg_admin) as url:  # type: ignore[arg-type]
        env = {"RELAIS_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "sync_server.cli", "migrate"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], outs
        # One migrated, the others waited for the lock and found nothing to do.
        assert sum("mise à jour" in out for out, _ in outs) == 1, outs
        assert sum("déjà à jour" in out for out, _ in outs) == 2, outs


def test_a_backup_from_an_older_version_is_brought_to_this_version(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from alembic import command

    from sync_server.core.db import alembic_config

    old = tmp_path / "old.sqlite3"
    engine = make_engine(Settings(database_url=f"sqlite:///{old}"))
    command.upgrade(alembic_config(engine), "users_0003")  # before the epoch existed
    engine.dispose()
    live = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    assert run(live, monkeypatch, capsys, "migrate")[0] == 0

    code, out, err = run(live, monkeypatch, capsys, "restore", str(old))
    assert code == 0, err
    assert f"users_0003 → {head_revision()}" in out
    engine = make_engine(Settings(database_url=live))
    assert schema_revision(engine) == head_revision()
    engine.dispose()


def test_the_daily_retention_run_comes_next_at_its_hour() -> None:
    import datetime as dt

    from sync_server.jobs.daily import next_run

    utc = dt.UTC
    assert next_run(dt.datetime(2026, 12, 6, 2, 59, tzinfo=utc), 3) == dt.datetime(
        2026, 12, 6, 3, 0, tzinfo=utc
    )
    assert next_run(dt.datetime(2026, 12, 6, 3, 0, tzinfo=utc), 3) == dt.datetime(
        2026, 12, 7, 3, 0, tzinfo=utc
    )
    assert next_run(dt.datetime(2026, 12, 31, 23, 30, tzinfo=utc), 0) == dt.datetime(
        2027, 1, 1, 0, 0, tzinfo=utc
    )


def test_retention_through_the_command_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(database_url, monkeypatch, capsys, "retention", "--dry-run")
    assert code == 1 and "./relais migrate" in err  # never migrates by itself
    run(database_url, monkeypatch, capsys, "migrate")
    code, out, _ = run(database_url, monkeypatch, capsys, "retention")
    assert code == 0
    assert out.startswith("0 personne(s) anonymisée(s)")
