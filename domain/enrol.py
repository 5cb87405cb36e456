"""One-time enrolment codes, as a phone reads them: typed by hand or from the QR link.

The console shows `ABCD-2345` and a QR code holding `relais://enrol?server=…&code=…`;
a mediator may type the code with spaces, lowercase or no dash.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

# No 0/O, 1/I/L: the code is read aloud or typed from a screen (same as the server).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
LINK_SCHEME = "relais"


def enrol_code_of(text: str) -> str | None:
    """The code in its displayed form (`ABCD-2345`), or None if `text` holds none."""
    text = text.strip()
    if text.lower().startswith(f"{LINK_SCHEME}://"):
        text = parse_qs(urlsplit(text).query).get("code", [""])[0]
    chars = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(chars) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in chars):
        return None
    half = CODE_LENGTH // 2
    return f"{chars[:half]}-{chars[half:]}"


# Plain http is only for a server on the phone itself (development, the demo): anywhere
# else the token and people's data would cross the network unencrypted.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

BAD_ADDRESS = "Adresse du serveur invalide : saisissez-la comme https://relais.exemple.fr."
PLAIN_HTTP = (
    "Adresse refusée : une connexion http:// n'est pas chiffrée. "
    "Saisissez l'adresse en https:// du serveur (http:// n'est permis que pour localhost)."
)


class BadServerAddress(ValueError):
    """`str(exc)` is the French message shown to the mediator."""


def enrol_server_of(text: str) -> str | None:
    """The server address a scanned or pasted `relais://enrol?...` link carries."""
    text = text.strip()
    if not text.lower().startswith(f"{LINK_SCHEME}://"):
        return None
    server = parse_qs(urlsplit(text).query).get("server", [""])[0].strip()
    return server or None


def enrol_link_of_route(route: str) -> str | None:
    """The enrolment link the app was opened with: the OS hands a scanned
    `relais://enrol?server=…&code=…` to the app, which starts at a route holding its
    query (`/?server=…&code=…`). None when the route carries no code."""
    query = parse_qs(urlsplit(route).query)
    code = query.get("code", [""])[0].strip()
    if not code:
        return None
    server = query.get("server", [""])[0].strip()
    return f"{LINK_SCHEME}://enrol?" + urlencode(
        {"server": server, "code": code} if server else {"code": code}
    )


def server_address_of(text: str) -> str:
    """The server's base URL as typed (`relais.exemple.fr` means https), normalised;
    raises `BadServerAddress` for anything a phone must not talk to."""
    text = text.strip()
    if not text or any(ch.isspace() for ch in text):
        raise BadServerAddress(BAD_ADDRESS)
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise BadServerAddress(BAD_ADDRESS) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise BadServerAddress(BAD_ADDRESS)
    if parts.username or parts.password:
        raise BadServerAddress(BAD_ADDRESS)
    if scheme == "http" and host.lower() not in LOCAL_HOSTS:
        raise BadServerAddress(PLAIN_HTTP)
    return f"{scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
