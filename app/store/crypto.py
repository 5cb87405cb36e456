"""Encryption at rest on the phone: AES-256-GCM values under a PIN-wrapped data key.

- A random 256-bit *data key* encrypts every personal value (AES-256-GCM, a fresh
  96-bit nonce per value). The associated data names where the value lives
  (table, entity, row id, column...), so a ciphertext copied onto another row or
  key fails authentication instead of silently showing the wrong person.
- The data key is stored only *wrapped*: encrypted with a key derived from the
  mediator's PIN by Argon2id (memory-hard, so each guess costs tens of MiB and
  a fraction of a second, on a phone as on a GPU). Changing the PIN re-wraps the
  data key; the data itself is not rewritten.

Only `cryptography` and `argon2-cffi` are used: both ship wheels for Flet's
Android/iOS builds, unlike SQLCipher.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
FORMAT_V1 = b"\x01"
MIN_PIN_DIGITS = 6
_PIN = re.compile(r"\d+")


class CryptoError(Exception):
    """A French message that can be shown as is."""


class WrongPin(CryptoError):
    def __init__(self) -> None:
        super().__init__("Code PIN incorrect.")


class DataCorrupted(CryptoError):
    def __init__(self, where: str) -> None:
        super().__init__(
            f"Donnée locale illisible ou modifiée ({where}) : elle n'a pas été écrite par "
            "cette application avec cette clé."
        )


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost, stored next to the wrapped key so it can be raised later."""

    memory_kib: int = 64 * 1024
    time_cost: int = 3
    parallelism: int = 1
    """One lane: phones throttle background cores; the memory cost is what counts."""


PHONE_KDF = KdfParams()


def check_pin_format(pin: str) -> None:
    if not _PIN.fullmatch(pin or ""):
        raise CryptoError("Le code PIN ne contient que des chiffres.")
    if len(pin) < MIN_PIN_DIGITS:
        raise CryptoError(f"Le code PIN doit compter au moins {MIN_PIN_DIGITS} chiffres.")


def derive_pin_key(pin: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret=pin.encode(),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


class Cipher:
    """Seals and opens values with the data key; `aad` binds a value to its place."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != KEY_BYTES:
            raise ValueError("data key must be 256 bits")
        self._aead = AESGCM(data_key)

    def seal(self, plaintext: bytes, aad: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, aad.encode())

    def open(self, blob: bytes, aad: str) -> bytes:
        if not isinstance(blob, bytes) or blob[:1] != FORMAT_V1:
            raise DataCorrupted(aad.split("|")[0])
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, aad.encode())
        except InvalidTag:
            raise DataCorrupted(aad.split("|")[0]) from None


_WRAP_AAD = "relais-data-key"


@dataclass(frozen=True)
class WrappedKey:
    salt: bytes
    params: KdfParams
    blob: bytes

    def to_json(self) -> str:
        return json.dumps(
            {"salt": self.salt.hex(), "kdf": asdict(self.params), "blob": self.blob.hex()}
        )

    @classmethod
    def from_json(cls, raw: str) -> WrappedKey:
        value = json.loads(raw)
        return cls(
            bytes.fromhex(value["salt"]), KdfParams(**value["kdf"]), bytes.fromhex(value["blob"])
        )


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def wrap_data_key(data_key: bytes, pin: str, params: KdfParams = PHONE_KDF) -> WrappedKey:
    check_pin_format(pin)
    salt = os.urandom(SALT_BYTES)
    blob = Cipher(derive_pin_key(pin, salt, params)).seal(data_key, _WRAP_AAD)
    return WrappedKey(salt, params, blob)


def unwrap_data_key(wrapped: WrappedKey, pin: str) -> bytes:
    """The data key, or `WrongPin` (GCM authenticates: a wrong PIN cannot go unnoticed)."""
    pin_key = derive_pin_key(pin, wrapped.salt, wrapped.params)
    try:
        return Cipher(pin_key).open(wrapped.blob, _WRAP_AAD)
    except DataCorrupted:
        raise WrongPin() from None
