"""`./relais admin create-programme | attach-programme` on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from sync_server.core.db import make_engine
from sync_server.core.settings import Settings
from sync_server.crud.programme import programme_cites
from sync_server.models import AppUser
from tests.server.test_cli import STRONG, run

CREIL, SENLIS = "Cité de l'emploi de Creil", "Cité de l'emploi de Senlis"


def _cites_of(database_url: str, username: str) -> list[str]:
    engine = make_engine(Settings(database_url=database_url))
    try:
        with Session(engine) as session:
            user = session.exec(select(AppUser).where(AppUser.username == username)).one()
            assert user.role == "programme"
            return [c.name for c in programme_cites(session, user_id=user.id)]
    finally:
        engine.dispose()


def test_an_operator_creates_a_programme_account_over_two_cites(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def relais(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        return run(database_url, monkeypatch, capsys, *argv, stdin=stdin)

    assert relais("migrate")[0] == 0
    for name in (CREIL, SENLIS, "Cité de l'emploi de Beauvais"):
        assert relais("admin", "create-cite", "--name", name)[0] == 0

    code, _, err = relais(
        "admin",
        "create-programme",
        "--username",
        "prefecture",
        "--cite",
        CREIL,
        "--cite",
        "Nulle part",
        stdin=STRONG + "\n",
    )
    assert code == 1 and "Aucune cité ne s'appelle « Nulle part »" in err

    code, out, _ = relais(
        "admin",
        "create-programme",
        "--username",
        "prefecture",
        "--cite",
        CREIL,
        "--cite",
        SENLIS,
        "--display-name",
        "Préfecture de l'Oise",
        stdin=STRONG + "\n",
    )
    assert code == 0, out
    assert "Compte programme « prefecture » créé" in out
    assert _cites_of(database_url, "prefecture") == [CREIL, SENLIS]

    code, out, _ = relais(
        "admin",
        "attach-programme",
        "--username",
        "prefecture",
        "--cite",
        "cité de l'emploi de beauvais",
    )
    assert code == 0, out
    assert _cites_of(database_url, "prefecture") == ["Cité de l'emploi de Beauvais", CREIL, SENLIS]
    code, _, err = relais("admin", "attach-programme", "--username", "personne", "--cite", CREIL)
    assert code == 1 and "Aucun compte programme" in err

    code, out, _ = relais("admin", "detach-programme", "--username", "prefecture", "--cite", CREIL)
    assert code == 0, out
    assert _cites_of(database_url, "prefecture") == ["Cité de l'emploi de Beauvais", SENLIS]
