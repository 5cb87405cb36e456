"""The wrapped data key on disk, PIN attempts, and encrypting a plaintext file in place.

Wrong PIN attempts are counted in the file (so restarting the app does not reset
them): the first 5 are free, then each attempt waits 30 s, 60 s, 120 s...; after
10 the store refuses to try again and the app asks for the data to be wiped
(explicitly, by the mediator, see `LocalStore.wipe`). It never wipes by itself:
unsynced contacts would be lost to a child playing with the phone, and the data
stays encrypted anyway. This counter only slows the app's own screen; against
someone holding a copy of the file, the Argon2id cost is the protection.
"""

from __future__ import annotations

import sqlite3
import time

from app.store.codec import PLAIN_META_KEYS, Codec
from app.store.crypto import (
    PHONE_KDF,
    Cipher,
    CryptoError,
    KdfParams,
    WrappedKey,
    WrongPin,
    check_pin_format,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)

FREE_ATTEMPTS = 5
MAX_ATTEMPTS = 10
BASE_DELAY_S = 30.0

TOO_MANY = (
    "Trop de codes PIN erronés : les données de ce téléphone sont bloquées. "
    "Elles doivent être effacées et l'application réinstallée ; prévenez votre superviseur."
)


class PinLockedOut(CryptoError):
    def __init__(self, wait_s: float | None) -> None:
        self.wait_s = wait_s
        if wait_s is None:
            super().__init__(TOO_MANY)
        else:
            super().__init__(f"Trop d'essais : réessayez dans {int(wait_s) + 1} s.")


def load_wrapped(conn: sqlite3.Connection) -> WrappedKey | None:
    found = conn.execute("SELECT wrapped FROM vault WHERE id = 1").fetchone()
    return WrappedKey.from_json(found[0]) if found else None


def attempts(conn: sqlite3.Connection) -> tuple[int, float | None]:
    found = conn.execute("SELECT failures, last_failure_at FROM vault WHERE id = 1").fetchone()
    return (int(found[0]), found[1]) if found else (0, None)


def delay_after(failures: int) -> float:
    return 0.0 if failures < FREE_ATTEMPTS else BASE_DELAY_S * 2 ** (failures - FREE_ATTEMPTS)


def check_can_try(conn: sqlite3.Connection, now: float | None = None) -> None:
    failures, last = attempts(conn)
    if failures >= MAX_ATTEMPTS:
        raise PinLockedOut(None)
    wait = delay_after(failures) - ((now or time.time()) - (last or 0.0))
    if wait > 0:
        raise PinLockedOut(wait)


def unlock(conn: sqlite3.Connection, pin: str, now: float | None = None) -> Cipher:
    """The data cipher for `pin`; a wrong PIN is counted (callers hold no transaction)."""
    return Cipher(_unwrap_counted(conn, pin, now))


def change_pin(conn: sqlite3.Connection, old: str, new: str, kdf: KdfParams = PHONE_KDF) -> None:
    """Re-wrap the data key under `new`: the data itself is not rewritten."""
    check_pin_format(new)
    rewrap(conn, _unwrap_counted(conn, old, None), new, kdf)


def _unwrap_counted(conn: sqlite3.Connection, pin: str, now: float | None) -> bytes:
    wrapped = load_wrapped(conn)
    if wrapped is None:
        raise CryptoError("Aucun code PIN n'est encore défini sur ce téléphone.")
    check_can_try(conn, now)
    try:
        key = unwrap_data_key(wrapped, pin)
    except WrongPin:
        conn.execute(
            "UPDATE vault SET failures = failures + 1, last_failure_at = ? WHERE id = 1",
            (now or time.time(),),
        )
        failures, _ = attempts(conn)
        if failures >= MAX_ATTEMPTS:
            raise PinLockedOut(None) from None
        left = MAX_ATTEMPTS - failures
        raise CryptoError(f"Code PIN incorrect. Encore {left} essai(s) avant blocage.") from None
    conn.execute("UPDATE vault SET failures = 0, last_failure_at = NULL WHERE id = 1")
    return key


def rewrap(conn: sqlite3.Connection, data_key: bytes, pin: str, kdf: KdfParams) -> None:
    wrapped = wrap_data_key(data_key, pin, kdf)
    conn.execute(
        "INSERT INTO vault (id, wrapped, failures) VALUES (1, ?, 0)"
        " ON CONFLICT (id) DO UPDATE SET wrapped = excluded.wrapped, failures = 0,"
        " last_failure_at = NULL",
        (wrapped.to_json(),),
    )


def encrypt_existing(conn: sqlite3.Connection, pin: str, kdf: KdfParams = PHONE_KDF) -> Cipher:
    """First PIN: create the data key and encrypt every plaintext value, in one transaction.

    Then VACUUM (rebuilds the file without free pages) and truncate the WAL, so
    no plaintext written before the PIN survives in the file, its WAL or journal.
    """
    data_key = new_data_key()
    plain, sealed = Codec(None), Codec(Cipher(data_key))
    conn.execute("BEGIN IMMEDIATE")
    try:
        if load_wrapped(conn) is not None:
            raise CryptoError("Un code PIN est déjà défini sur ce téléphone.")
        rewrap(conn, data_key, pin, kdf)
        for entity, row_id, data, error in conn.execute(
            "SELECT entity, id, data, error FROM row"
        ).fetchall():
            place = f"row-error|{entity}|{row_id}"
            conn.execute(
                "UPDATE row SET data = ?, error = ? WHERE entity = ? AND id = ?",
                (
                    sealed.encode_row(entity, row_id, plain.decode_row(entity, row_id, data)),
                    sealed.encode_text(place, plain.decode_text(place, error)),
                    entity,
                    row_id,
                ),
            )
        for op_id, values, reason in conn.execute(
            'SELECT op_id, "set", reason FROM outbox'
        ).fetchall():
            place = f"outbox-reason|{op_id}"
            conn.execute(
                'UPDATE outbox SET "set" = ?, reason = ? WHERE op_id = ?',
                (
                    sealed.encode_set(op_id, plain.decode_set(op_id, values)),
                    sealed.encode_text(place, plain.decode_text(place, reason)),
                    op_id,
                ),
            )
        for key, value in conn.execute("SELECT key, value FROM meta").fetchall():
            if key not in PLAIN_META_KEYS:
                conn.execute(
                    "UPDATE meta SET value = ? WHERE key = ?",
                    (sealed.encode_meta(key, plain.decode_meta(key, value)), key),
                )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    scrub(conn)
    return Cipher(data_key)


def scrub(conn: sqlite3.Connection) -> None:
    """Rewrite the file without free pages and empty the WAL (old plaintext frames)."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
