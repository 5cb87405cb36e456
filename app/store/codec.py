"""The one place where personal values are turned into bytes stored on disk, and back.

Every row's data, every outbox `set`, every server reason and every personal
`meta` value goes through a `Codec`. With a `Cipher` (the store is unlocked) it
seals JSON with AES-256-GCM, the associated data naming the value's place
(table, entity, row id / op id / meta key) so ciphertexts cannot be swapped
between rows. Without one it is the legacy plaintext codec: it only serves
files written before the PIN existed, until `encrypt_existing` converts them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.store import fast_json
from app.store.crypto import Cipher, DataCorrupted

# Meta keys that are not personal and are needed while locked (clock, counters).
# Every other key, including ones added later (drafts...), is encrypted by default.
PLAIN_META_KEYS = frozenset({"install_id", "device_seq", "hlc_last", "plain_backfilled"})


# Rows: compact and key-sorted (`fast_json.dumps_sorted`), stable bytes make "did
# anything change?" cheap later. Sets: one encoder (`json.dumps` with options builds
# a new one per call).
_SET_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode_row_data(data: dict[str, Any]) -> str:
    # A pulled page re-encodes every row: orjson's speed where the phone has it.
    return fast_json.dumps_sorted(data)


def _decode_row_data(raw: str | bytes) -> dict[str, Any]:
    value = fast_json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("donnée locale illisible : objet JSON attendu")
    return value


class Codec:
    def __init__(self, cipher: Cipher | None) -> None:
        self.cipher = cipher

    @property
    def encrypted(self) -> bool:
        return self.cipher is not None

    def _seal(self, text: str, aad: str) -> str | bytes:
        return text if self.cipher is None else self.cipher.seal(text.encode(), aad)

    def _open(self, stored: str | bytes, aad: str) -> str:
        if self.cipher is None:
            if isinstance(stored, bytes):
                raise DataCorrupted(aad.split("|")[0])
            return stored
        if isinstance(stored, str):
            # Plaintext in an encrypted file: never trusted, never shown.
            raise DataCorrupted(aad.split("|")[0])
        return self.cipher.open(stored, aad).decode()

    # -- rows ---------------------------------------------------------------------------
    def encode_row(self, entity: str, row_id: str, data: dict[str, Any]) -> str | bytes:
        return self._seal(_encode_row_data(data), f"row|{entity}|{row_id}")

    def row_encoder(self) -> Callable[[str, str, dict[str, Any]], str | bytes]:
        """`encode_row` for many rows: without a cipher, the JSON encoder itself (a
        pulled page encodes every row, and each call layer costs a tenth of it)."""
        if self.cipher is None:
            dumps = fast_json.dumps_sorted
            return lambda _entity, _row_id, data: dumps(data)
        return self.encode_row

    def decode_row(self, entity: str, row_id: str, stored: str | bytes) -> dict[str, Any]:
        return _decode_row_data(self._open(stored, f"row|{entity}|{row_id}"))

    def encode_text(self, place: str, text: str | None) -> str | bytes | None:
        """Free text of a column (a server's reason) that may quote a person's values."""
        return None if text is None else self._seal(text, place)

    def decode_text(self, place: str, stored: str | bytes | None) -> str | None:
        return None if stored is None else self._open(stored, place)

    # -- outbox -------------------------------------------------------------------------
    def encode_set(self, op_id: str, values: dict[str, Any]) -> str | bytes:
        return self._seal(_SET_ENCODER.encode(values), f"outbox|{op_id}")

    def decode_set(self, op_id: str, stored: str | bytes) -> dict[str, Any]:
        return _decode_row_data(self._open(stored, f"outbox|{op_id}"))

    def open_set(self, op_id: str, stored: str | bytes) -> str:
        """An op's `set` as the JSON text `encode_set` sealed (not decoded)."""
        return self._open(stored, f"outbox|{op_id}")

    # -- meta ---------------------------------------------------------------------------
    def encode_meta(self, key: str, value: Any) -> str | bytes:
        text = json.dumps(value, ensure_ascii=False)
        return text if key in PLAIN_META_KEYS else self._seal(text, f"meta|{key}")

    def decode_meta(self, key: str, stored: str | bytes) -> Any:
        if key in PLAIN_META_KEYS:
            return json.loads(stored)
        return json.loads(self._open(stored, f"meta|{key}"))
