"""The operators' command line: `./relais migrate | admin … | serve | backup | restore`.

Every command reads the same settings as the server (RELAIS_* environment, e.g.
RELAIS_DATABASE_URL; see docs/exploitation.md). Messages are for operators, in
French; a refused command changes nothing and exits with status 1.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import logging
import logging.config
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from domain.vocabulary import PartnerType, Role
from sync_server.core.db import (
    head_revision,
    make_engine,
    migrate,
    new_epoch,
    schema_revision,
    sqlite_file,
)
from sync_server.core.processes import terminate
from sync_server.core.settings import Settings
from sync_server.models import AppUser, Cite, Partner, Qpv, UserCreate, utcnow

ROOT = Path(__file__).resolve().parent.parent


class Refused(Exception):
    """A command refused with a French message for the operator; nothing changed."""


# --- migrate ----------------------------------------------------------------------


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> str:
    engine = make_engine(settings)
    try:
        _revision_or_refuse(engine)  # reachable?
        before = migrate(engine)
        after = schema_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        return f"Base de données déjà à jour (révision {after})."
    return f"Base de données mise à jour : révision {before or 'vide'} → {after}."


def _revision_or_refuse(engine: Engine) -> str | None:
    try:
        return schema_revision(engine)
    except OperationalError as exc:
        raise Refused(
            f"Base de données injoignable ({_safe_url(engine)}) : {_first_line(exc.orig)}"
        ) from None


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _first_line(exc: object) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def require_head(engine: Engine) -> str:
    """The schema's revision, or a refusal when it is not the code's head."""
    current = _revision_or_refuse(engine)
    head = head_revision()
    if current != head:
        state = "vide (jamais migrée)" if current is None else f"à la révision {current}"
        raise Refused(
            f"La base de données est {state}, cette version de Relais attend la révision "
            f"{head} : lancez d'abord « ./relais migrate »."
        )
    return current


# --- admin ------------------------------------------------------------------------


def cmd_create_cite(settings: Settings, args: argparse.Namespace) -> str:
    name = args.name.strip()
    if not name or len(name) > 120:
        raise Refused("Le nom de la cité doit faire entre 1 et 120 caractères.")
    communes = [c.strip() for c in (args.communes or "").split(",") if c.strip()]
    with _session(settings) as session:
        if _find_cite(session, name) is not None:
            raise Refused(f"La cité « {name} » existe déjà : rien n'a été créé.")
        cite = Cite(name=name, communes=communes)
        session.add(cite)
        session.commit()
        return f"Cité « {name} » créée (identifiant {cite.id})."


def _find_cite(session: Session, name: str) -> Cite | None:
    return session.exec(
        select(Cite).where(func.lower(col(Cite.name)) == name.strip().lower())
    ).first()


def _cite_or_refuse(session: Session, name: str) -> Cite:
    cite = _find_cite(session, name)
    if cite is None:
        raise Refused(
            f"Aucune cité ne s'appelle « {name} » : créez-la d'abord avec "
            "« ./relais admin create-cite --name … »."
        )
    return cite


MIN_PASSWORD_LENGTH = 12
_COMMON_PASSWORDS = frozenset(
    {"motdepasse", "password", "azerty", "qwerty", "123456", "relais", "admin", "soleil"}
)


def password_problem(password: str, username: str) -> str | None:
    """Why `password` is too weak for an administrator (None: acceptable)."""
    if not password:
        return "le mot de passe est vide"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"le mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères"
    if len(password) > 200:
        return "le mot de passe doit faire au plus 200 caractères"
    lowered = password.lower()
    if username and username.lower() in lowered:
        return "le mot de passe ne doit pas contenir l'identifiant"
    stripped = re.sub(r"[^a-z]", "", lowered)
    if stripped in _COMMON_PASSWORDS or len(set(password)) < 5:
        return "le mot de passe est trop facile à deviner"
    kinds = sum(
        bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    if kinds < 2 and len(password) < 20:
        return (
            "le mot de passe doit mêler au moins deux sortes de caractères (minuscules, "
            "majuscules, chiffres, symboles) ou faire au moins 20 caractères"
        )
    return None


def _read_password(username: str) -> str:
    """From standard input when it is not a terminal (one line), else prompted twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Mot de passe de {username} : ")
    problem = password_problem(first, username)
    if problem is not None:
        raise Refused(f"Mot de passe refusé : {problem}. Aucun compte n'a été créé.")
    if getpass.getpass("Confirmez le mot de passe : ") != first:
        raise Refused("Les deux saisies diffèrent. Aucun compte n'a été créé.")
    return first


def _username_or_refuse(given: str) -> str:
    username = given.strip()
    if not re.fullmatch(r"[a-z0-9._-]{2,80}", username):
        raise Refused(
            "Identifiant invalide : de 2 à 80 caractères parmi minuscules, chiffres, « . », "
            "« _ » et « - »."
        )
    return username


def _new_account_password(session: Session, username: str) -> str:
    """The new account's password, read once the identifier is known to be free."""
    if session.exec(select(AppUser).where(AppUser.username == username)).first():
        raise Refused(f"L'identifiant « {username} » est déjà pris : rien n'a été créé.")
    password = _read_password(username)
    problem = password_problem(password, username)
    if problem is not None:
        raise Refused(f"Mot de passe refusé : {problem}. Aucun compte n'a été créé.")
    return password


def _create_account(
    session: Session, *, username: str, display: str, role: Role, cite_id: str
) -> AppUser:
    """Create the account once its password is read and checked; the caller commits."""
    password = _new_account_password(session, username)
    from sync_server.crud.users import create_user

    try:
        return create_user(
            session,
            user_create=UserCreate(
                username=username,
                display_name=display,
                role=role.value,
                cite_id=cite_id,
                password=password,
            ),
        )
    except IntegrityError:
        raise Refused(f"L'identifiant « {username} » est déjà pris.") from None


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> str:
    username = _username_or_refuse(args.username)
    display = (args.display_name or "Administrateur").strip()[:120]
    with _session(settings) as session:
        cite = _cite_or_refuse(session, args.cite)
        _create_account(
            session, username=username, display=display, role=Role.ADMIN, cite_id=cite.id
        )
        session.commit()
        return (
            f"Administrateur « {username} » créé pour « {cite.name} » : il peut se connecter "
            "à la console."
        )


# --- referentials -----------------------------------------------------------------

REFERENTIAL_COLUMNS = ("type", "code", "nom", "genre", "thematiques", "commune")
_QPV_CODE = re.compile(r"^Q[A-Z0-9]{3,15}$")
_KINDS = {"qpv": "qpv", "partenaire": "partner", "commune": "commune"}


@dataclass
class Referentials:
    qpvs: dict[str, str] = field(default_factory=dict)  # code -> name
    partners: dict[str, tuple[str, list[str], str | None]] = field(default_factory=dict)
    communes: list[str] = field(default_factory=list)


def _partner_type(given: str) -> str | None:
    wanted = given.strip().lower()
    for kind in PartnerType:
        if wanted in (kind.value, kind.label.lower()):
            return kind.value
    return None


def parse_referentials(text: str) -> tuple[Referentials, list[str]]:
    """The file's rows, and one French error per bad line (nothing is kept when any)."""
    errors: list[str] = []
    found = Referentials()
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text.split("\n", 1)[0], delimiters=";,\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower().replace("é", "e") for h in next(reader, [])]
    if header[: len(REFERENTIAL_COLUMNS)] != list(REFERENTIAL_COLUMNS):
        return found, [
            "ligne 1 : en-tête attendu « "
            + ";".join(REFERENTIAL_COLUMNS)
            + " », trouvé « "
            + ";".join(header)
            + " »"
        ]
    for number, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) > len(REFERENTIAL_COLUMNS):
            errors.append(
                f"ligne {number} : {len(raw)} colonnes, {len(REFERENTIAL_COLUMNS)} attendues"
            )
            continue
        cells = [c.strip() for c in raw] + [""] * (len(REFERENTIAL_COLUMNS) - len(raw))
        kind, code, name, genre, themes, commune = cells
        what = _KINDS.get(kind.lower())
        if what is None:
            errors.append(f"ligne {number} : type « {kind} » inconnu (qpv, partenaire ou commune)")
            continue
        if not name or len(name) > 120:
            errors.append(f"ligne {number} : le nom est vide ou dépasse 120 caractères")
            continue
        if what == "qpv":
            error = _add_qpv(found, code, name)
        elif what == "partner":
            error = _add_partner(found, name, genre, themes, commune)
        else:
            error = None
            if name not in found.communes:
                found.communes.append(name)
        if error:
            errors.append(f"ligne {number} : {error}")
    return found, errors


def _add_qpv(found: Referentials, code: str, name: str) -> str | None:
    if not _QPV_CODE.match(code.upper()):
        return (
            f"code QPV « {code} » invalide (attendu : QN suivi de chiffres, par exemple QN0600101)"
        )
    if code.upper() in found.qpvs:
        return f"le QPV {code.upper()} figure deux fois"
    found.qpvs[code.upper()] = name
    return None


def _add_partner(
    found: Referentials, name: str, genre: str, themes: str, commune: str
) -> str | None:
    partner_type = _partner_type(genre)
    if partner_type is None:
        known = ", ".join(k.value for k in PartnerType)
        return f"genre « {genre} » inconnu (un de : {known})"
    if name in found.partners:
        return f"le partenaire « {name} » figure deux fois"
    if len(commune) > 120:
        return "la commune dépasse 120 caractères"
    theme_list = [t.strip() for t in themes.split("|") if t.strip()]
    found.partners[name] = (partner_type, theme_list, commune or None)
    return None


def cmd_import_referentials(settings: Settings, args: argparse.Namespace) -> str:
    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Refused(f"Fichier illisible « {path} » : {exc.strerror}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # a spreadsheet saved as « CSV »
    found, errors = parse_referentials(text)
    with _session(settings) as session:
        cite = _cite_or_refuse(session, args.cite)
        taken = session.exec(
            select(Qpv).where(col(Qpv.code).in_(list(found.qpvs)), Qpv.cite_id != cite.id)
        ).all()
        errors.extend(
            f"QPV {q.code} : déjà rattaché à une autre cité, il ne peut pas l'être à deux"
            for q in taken
        )
        if errors:
            raise Refused("Fichier refusé, rien n'a été importé :\n  " + "\n  ".join(errors))
        for code, name in found.qpvs.items():
            qpv = session.get(Qpv, code) or Qpv(code=code, name=name, cite_id=cite.id)
            qpv.name = name
            session.add(qpv)
        existing = {
            p.name: p for p in session.exec(select(Partner).where(Partner.cite_id == cite.id))
        }
        for name, (kind, themes, commune) in found.partners.items():
            partner = existing.get(name) or Partner(cite_id=cite.id, name=name, type=kind)
            partner.type, partner.themes, partner.commune = kind, themes, commune
            session.add(partner)
        communes = list(cite.communes) + [c for c in found.communes if c not in cite.communes]
        cite.communes = communes
        session.add(cite)
        session.commit()
    return (
        f"Référentiels de « {cite.name} » importés : {len(found.qpvs)} QPV, "
        f"{len(found.partners)} partenaire(s), {len(found.communes)} commune(s)."
    )


# --- backup / restore -------------------------------------------------------------

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


def _libpq_url(settings: Settings) -> str:
    url = make_url(settings.database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Refused(
            f"« {name} » est introuvable : installez le paquet postgresql-client "
            "(de la même version majeure que le serveur, ou plus récente)."
        )
    return found


def cmd_backup(settings: Settings, args: argparse.Namespace) -> str:
    target = Path(args.file)
    if target.exists() and not args.force:
        raise Refused(f"« {target} » existe déjà : choisissez un autre nom (ou --force).")
    engine = make_engine(settings)
    try:
        require_head(engine)
        path = sqlite_file(engine)
        partial = target.with_name(target.name + ".partiel")
        if path is None:
            done = subprocess.run(
                [
                    _pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    f"--file={partial}",
                    f"--dbname={_libpq_url(settings)}",
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                partial.unlink(missing_ok=True)
                raise Refused(f"pg_dump a échoué : {done.stderr.strip()}")
        else:
            # The online backup API: a consistent copy while the server writes.
            partial.unlink(missing_ok=True)
            with closing(sqlite3.connect(path)) as src, closing(sqlite3.connect(partial)) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
        os.chmod(partial, 0o600)  # personal data: readable by its owner only
        partial.replace(target)
    finally:
        engine.dispose()
    return f"Sauvegarde écrite dans « {target} » ({target.stat().st_size} octets)."


def _check_backup_file(source: Path, postgres: bool) -> None:
    try:
        with source.open("rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise Refused(f"Fichier illisible « {source} » : {exc.strerror}.") from None
    if postgres:
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise Refused(
                f"« {source} » n'est pas une sauvegarde PostgreSQL de Relais (format "
                "pg_dump -Fc attendu) : rien n'a été restauré."
            )
        listing = subprocess.run(
            [_pg_tool("pg_restore"), "--list", str(source)], capture_output=True, text=True
        )
        if listing.returncode != 0 or " sync_state " not in listing.stdout:
            raise Refused(
                f"« {source} » est illisible ou ne contient pas une base Relais : rien n'a été "
                "restauré."
            )
        return
    if head != SQLITE_MAGIC:
        raise Refused(
            f"« {source} » n'est pas une sauvegarde SQLite de Relais : rien n'a été restauré."
        )
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        tables, ok = set(), False
    if not ok or not {"sync_state", "alembic_version", "record"} <= tables:
        raise Refused(
            f"« {source} » est abîmé ou ne contient pas une base Relais : rien n'a été restauré."
        )


def cmd_restore(settings: Settings, args: argparse.Namespace) -> str:
    source = Path(args.file)
    engine = make_engine(settings)
    try:
        path = sqlite_file(engine)
        _check_backup_file(source, postgres=path is None)
        if path is None:
            engine.dispose()  # no connection of ours in the way of the drops
            done = subprocess.run(
                [
                    _pg_tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-acl",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={_libpq_url(settings)}",
                    str(source),
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise Refused(
                    "pg_restore a échoué, la base est restée telle qu'elle était : "
                    + done.stderr.strip()
                )
        else:
            with (
                closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
                closing(sqlite3.connect(path, timeout=30)) as dst,
            ):
                src.backup(dst)
        # A backup of an older version: its schema is brought to this code's first
        # (the epoch lives in it).
        found = migrate(engine)
        epoch = new_epoch(engine)
    finally:
        engine.dispose()
    note = ""
    if found != head_revision():
        note = f" Schéma de la sauvegarde mis à jour : révision {found} → {head_revision()}."
    return (
        f"Base restaurée depuis « {source} » (nouvelle époque {epoch[:8]} : les téléphones "
        f"synchronisés depuis la sauvegarde renverront ce qu'ils détiennent).{note}"
    )


# --- retention and serve ----------------------------------------------------------


def cmd_retention(settings: Settings, args: argparse.Namespace) -> str:
    from sync_server.jobs import daily as retention

    engine = make_engine(settings)
    try:
        require_head(engine)
    finally:
        engine.dispose()
    done = retention.run(settings, now=utcnow(), dry_run=args.dry_run, migrate_first=False)
    return retention.summary(done, settings, dry_run=args.dry_run)


def _console_env(settings: Settings, console_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "RELAIS_APP_MODE": "console",
        "RELAIS_SERVER_URL": f"http://127.0.0.1:{settings.port}",
        "RELAIS_APP_DB": settings.console_db,
        "RELAIS_APP_PORT": str(console_port),
        "FLET_FORCE_WEB_SERVER": "true",
        "PYTHONUNBUFFERED": "1",
    }


def cmd_console(settings: Settings, args: argparse.Namespace) -> str:
    port = args.console_port or settings.console_port
    os.execvpe(sys.executable, [sys.executable, "-m", "app.main"], _console_env(settings, port))


def _retention_loop(settings: Settings, stop: threading.Event) -> None:
    import datetime as dt
    import logging

    from sync_server.jobs import daily as retention

    log = logging.getLogger("relais.retention")
    while not stop.is_set():
        now = dt.datetime.now(dt.UTC)
        if stop.wait((retention.next_run(now, settings.retention_hour) - now).total_seconds()):
            return
        try:
            done = retention.run(settings, now=utcnow(), migrate_first=False)
            log.info(
                "retention run",
                extra={"anonymised": done.anonymised, "tombstones_purged": done.tombstones_purged},
            )
        except Exception as exc:  # the next day tries again; the server keeps serving
            log.error("retention run failed: %s", type(exc).__name__)


def _die_with_parent() -> None:
    """In the console's process: end it when `serve` ends, however that happens
    (uvicorn re-raises SIGTERM after its shutdown, which skips `finally`)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _relay_console_output(console: subprocess.Popen[bytes]) -> None:
    """The console's own output, one log line each, so the service's log stays JSON."""
    log = logging.getLogger("relais.console")
    assert console.stdout is not None
    for raw in console.stdout:
        line = raw.decode("utf-8", errors="replace").rstrip()
        if line:
            log.info(line)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> str:
    import uvicorn

    from sync_server.core.observability import log_config, prepare_metrics_dir

    if args.port:
        settings.port = args.port
    engine = make_engine(settings)
    try:
        require_head(engine)
        if sqlite_file(engine) is not None and settings.workers > 1:
            # SQLite lets one writer at a time: more processes only wait on each other.
            settings.workers = 1
    finally:
        engine.dispose()
    # The workers read their settings from the environment: no migration at start-up.
    os.environ["RELAIS_MIGRATE_ON_START"] = "false"
    os.environ["RELAIS_PORT"] = str(settings.port)
    metrics_dir = prepare_metrics_dir(settings.workers)
    logging.config.dictConfig(log_config(settings))
    console = None if args.no_console else _start_console(settings, args.console_port)
    stop = threading.Event()
    if settings.retention_hour >= 0 and not args.no_retention:
        threading.Thread(
            target=_retention_loop, args=(settings, stop), name="retention", daemon=True
        ).start()
    try:
        uvicorn.run(
            "sync_server.main:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=log_config(settings),
            access_log=False,  # our own access line carries the request id and route
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
        )
    finally:
        stop.set()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        if console is not None:
            terminate(console)
    logging.getLogger("relais.serve").info("Relais arrêté.")
    return ""  # the service's output stays JSON lines


def _start_console(settings: Settings, port: int | None) -> subprocess.Popen[bytes]:
    console = subprocess.Popen(
        [sys.executable, "-m", "app.main"],
        cwd=ROOT,
        env=_console_env(settings, port or settings.console_port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    threading.Thread(
        target=_relay_console_output, args=(console,), name="console-log", daemon=True
    ).start()
    return console


# --- plumbing ---------------------------------------------------------------------


class _session:
    """A session on a database at head (refused otherwise), disposed afterwards."""

    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings)

    def __enter__(self) -> Session:
        try:
            require_head(self.engine)
        except Refused:
            self.engine.dispose()
            raise
        self.session = Session(self.engine, expire_on_commit=False)
        return self.session

    def __exit__(self, *exc: object) -> None:
        self.session.close()
        self.engine.dispose()


_ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "affiche cette aide",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (possibles : %(choices)s)"
    ),
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "expected one argument": "une valeur attendue",
}


def _french(message: str) -> str:
    return _ARGPARSE_FR.get(message, message)


# argparse looks its texts up through its module's `_` at each use.
argparse._ = _french  # type: ignore[attr-defined]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="./relais",
        description=(
            "Relais : outils d'exploitation du serveur. Réglages par l'environnement "
            "(RELAIS_DATABASE_URL, … : voir docs/exploitation.md)."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    p = sub.add_parser("migrate", help="met le schéma de la base à jour (sous verrou)")
    p.set_defaults(run=cmd_migrate)
    _add_admin_commands(sub)
    _add_service_commands(sub)
    return parser


def _add_admin_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="cités, administrateurs, référentiels")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    p = admin_sub.add_parser("create-cite", help="crée une cité de l'emploi")
    p.add_argument(
        "--name", required=True, help="nom de la cité, p. ex. « Cité de l'emploi de Creil »"
    )
    p.add_argument("--communes", help="communes couvertes, séparées par des virgules")
    p.set_defaults(run=cmd_create_cite)
    p = admin_sub.add_parser(
        "create-admin",
        help="crée un administrateur (mot de passe lu sur l'entrée standard ou demandé)",
    )
    p.add_argument("--cite", required=True, help="nom de sa cité")
    p.add_argument("--username", required=True, help="identifiant de connexion")
    p.add_argument("--display-name", help="nom affiché (par défaut « Administrateur »)")
    p.set_defaults(run=cmd_create_admin)
    p = admin_sub.add_parser(
        "import-referentials",
        help="importe QPV, partenaires et communes d'un fichier CSV (tout ou rien)",
        description=(
            "Colonnes : type;code;nom;genre;thematiques;commune. type : qpv, partenaire ou "
            "commune ; thématiques séparées par « | ». Une erreur sur une ligne : rien "
            "n'est importé."
        ),
    )
    p.add_argument("--cite", required=True, help="nom de la cité")
    p.add_argument("file", metavar="FICHIER.csv")
    p.set_defaults(run=cmd_import_referentials)
    from sync_server.cli_programme import add_programme_commands

    add_programme_commands(admin_sub)


def _add_service_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="lance le serveur de synchronisation, la console et la tâche de conservation",
    )
    p.add_argument("--port", type=int, help="port du serveur (RELAIS_PORT, 8000)")
    p.add_argument(
        "--console-port", type=int, help="port de la console (RELAIS_CONSOLE_PORT, 8552)"
    )
    p.add_argument("--no-console", action="store_true", help="sans la console (service à part)")
    p.add_argument(
        "--no-retention", action="store_true", help="sans la tâche quotidienne (minuteur systemd)"
    )
    p.set_defaults(run=cmd_serve)
    p = sub.add_parser("console", help="lance seulement la console web (service systemd à part)")
    p.add_argument("--console-port", type=int, help="port de la console (RELAIS_CONSOLE_PORT)")
    p.set_defaults(run=cmd_console)
    p = sub.add_parser(
        "retention", help="anonymise et purge ce qui a dépassé sa durée de conservation"
    )
    p.add_argument("--dry-run", action="store_true", help="compte sans rien modifier")
    p.set_defaults(run=cmd_retention)

    p = sub.add_parser("backup", help="sauvegarde la base dans un fichier")
    p.add_argument("file", metavar="FICHIER")
    p.add_argument("--force", action="store_true", help="remplace un fichier existant")
    p.set_defaults(run=cmd_backup)
    p = sub.add_parser("restore", help="remplace la base par une sauvegarde (serveur arrêté)")
    p.add_argument("file", metavar="FICHIER")
    p.set_defaults(run=cmd_restore)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValueError as exc:
        print(f"Réglage invalide : {exc}", file=sys.stderr)
        return 1
    try:
        said = args.run(settings, args)
        if said:
            print(said)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
