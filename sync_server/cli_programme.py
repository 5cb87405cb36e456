"""`./relais admin create-programme | attach-programme`: the accounts of préfecture or
ANCT correspondents, who read the aggregated indicators of several cités.

The operator attaches cités (a cité's admin can only attach its own, in the console).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from domain.vocabulary import Role
from sync_server.cli import (
    Refused,
    _cite_or_refuse,
    _new_account_password,
    _session,
    _username_or_refuse,
)
from sync_server.core.settings import Settings
from sync_server.crud.programme import attach_cites, detach_cites, programme_cites
from sync_server.crud.users import create_user
from sync_server.models import AppUser, UserCreate


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
        password = _new_account_password(session, username)
        try:
            user = create_user(
                session,
                user_create=UserCreate(
                    username=username,
                    display_name=display,
                    role=Role.PROGRAMME.value,
                    cite_id=cites[0].id,
                    password=password,
                ),
            )
            attach_cites(session, user_id=user.id, cite_ids=[c.id for c in cites])
            session.commit()
        except IntegrityError:
            raise Refused(f"L'identifiant « {username} » est déjà pris.") from None
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
    p = admin_sub.add_parser(
        "attach-programme", help="rattache d'autres cités à un compte programme existant"
    )
    p.add_argument("--username", required=True, help="identifiant du compte programme")
    p.add_argument(
        "--cite", required=True, action="append", help="nom d'une cité (répétez pour plusieurs)"
    )
    p.set_defaults(run=cmd_attach_programme)
    p = admin_sub.add_parser(
        "detach-programme", help="retire des cités à un compte programme (il n'en voit plus rien)"
    )
    p.add_argument("--username", required=True, help="identifiant du compte programme")
    p.add_argument(
        "--cite", required=True, action="append", help="nom d'une cité (répétez pour plusieurs)"
    )
    p.set_defaults(run=cmd_detach_programme)
