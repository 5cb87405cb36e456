"""`./relais admin create-programme | attach-programme`: the accounts of préfecture or
ANCT correspondents, who read the aggregated indicators of several cités.

The operator attaches cités (a cité's admin can only attach its own, in the console).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sqlmodel import Session, select

from domain.vocabulary import Role
from sync_server.cli import (
    Refused,
    _cite_or_refuse,
    _create_account,
    _session,
    _username_or_refuse,
)
from sync_server.core.settings import Settings
from sync_server.crud.programme import attach_cites, detach_cites, programme_cites
from sync_server.models import AppUser


def _programme_or_refuse(session: Session, username: str) -> AppUser:
    user = session.exec(select(AppUser).where(AppUser.username == username)).first()
    if user is None or user.role != Role.PROGRAMME:
        raise Refused(f"Aucun compte programme ne s'appelle « {username} » : rien n'a changé.")
    return user


def cmd_create_programme(settings: Settings, args: argparse.Namespace) -> str:
    username = _username_or_refuse(args.username)
    display = (args.display_name or "Correspondant programme").strip()[:120]
    with _session(settings) as session:
        cites = [_cite_or_refuse(session, name) for name in args.cite]
        user = _create_account(
            session, username=username, display=display, role=Role.PROGRAMME, cite_id=cites[0].id
        )
        attach_cites(session, user_id=user.id, cite_ids=[c.id for c in cites])
        session.commit()
        names = ", ".join(f"« {c.name} »" for c in cites)
        return (
            f"Compte programme « {username} » créé pour {names} : il voit les indicateurs "
            "agrégés de ces cités dans la console, jamais une personne."
        )


def _change_cites(
    settings: Settings, args: argparse.Namespace, change: Callable[..., object]
) -> str:
    """Attach or detach (`change`) the named cités, then say what the account sees."""
    username = args.username.strip()
    with _session(settings) as session:
        user = _programme_or_refuse(session, username)
        cites = [_cite_or_refuse(session, name) for name in args.cite]
        change(session, user_id=user.id, cite_ids=[c.id for c in cites])
        session.commit()
        left = programme_cites(session, user_id=user.id)
        names = ", ".join(f"« {c.name} »" for c in left) or "plus aucune cité"
        return f"Le compte programme « {username} » voit maintenant : {names}."


def cmd_attach_programme(settings: Settings, args: argparse.Namespace) -> str:
    return _change_cites(settings, args, attach_cites)


def cmd_detach_programme(settings: Settings, args: argparse.Namespace) -> str:
    return _change_cites(settings, args, detach_cites)


def add_programme_commands(admin_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = admin_sub.add_parser(
        "create-programme",
        help="crée un compte programme (préfecture, ANCT) rattaché à une ou plusieurs cités",
    )
    p.add_argument(
        "--cite", required=True, action="append", help="nom d'une cité (répétez pour plusieurs)"
    )
    p.add_argument("--username", required=True, help="identifiant de connexion")
    p.add_argument("--display-name", help="nom affiché (par défaut « Correspondant programme »)")
    p.set_defaults(run=cmd_create_programme)
    for command, help_text, run in (
        (
            "attach-programme",
            "rattache d'autres cités à un compte programme existant",
            cmd_attach_programme,
        ),
        (
            "detach-programme",
            "retire des cités à un compte programme (il n'en voit plus rien)",
            cmd_detach_programme,
        ),
    ):
        p = admin_sub.add_parser(command, help=help_text)
        p.add_argument("--username", required=True, help="identifiant du compte programme")
        p.add_argument(
            "--cite", required=True, action="append", help="nom d'une cité (répétez pour plusieurs)"
        )
        p.set_defaults(run=run)
