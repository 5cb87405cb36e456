"""One-time enrolment codes, as a phone reads them: typed by hand or from the QR link.

The console shows `ABCD-2345` and a QR code holding `relais://enrol?server=…&code=…`;
a mediator may type the code with spaces, lowercase or no dash.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

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
