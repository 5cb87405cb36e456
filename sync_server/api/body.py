"""Reading a (possibly compressed) push body within the size limit."""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard
from fastapi import HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from domain.entities import FieldsError
from domain.field_labels import french_error
from domain.sync import MIN_SCHEMA_VERSION, PushRequest, normalised_push
from sync_server.api.deps import SchemaTooOld, SettingsDep


def _too_large(limit: int, what: str) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        detail=f"Requête trop volumineuse ({what} > {limit} octets) : envoyez moins d'opérations.",
    )


def _decompress(raw: bytes, encoding: str, limit: int) -> bytes:
    # Both limits matter: a tiny compressed body can expand to gigabytes.
    if encoding in ("", "identity"):
        return raw
    if encoding == "zstd":
        try:
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw))
            out = bytearray()
            while chunk := reader.read(64 * 1024):
                out += chunk
                if len(out) > limit:
                    raise _too_large(limit, "corps décompressé")
            return bytes(out)
        except zstandard.ZstdError:
            raise HTTPException(400, detail="Corps compressé (zstd) illisible.") from None
    if encoding == "gzip":
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out_bytes = inflater.decompress(raw, limit + 1)
        except zlib.error:
            raise HTTPException(400, detail="Corps compressé (gzip) illisible.") from None
        if len(out_bytes) > limit or inflater.unconsumed_tail:
            raise _too_large(limit, "corps décompressé")
        return out_bytes
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail=f"Content-Encoding non pris en charge : {encoding} (zstd, gzip ou aucun).",
    )


def readable_errors(exc: ValidationError | Any) -> str:
    """A request's invalid fields (three at most), each named by its path in the body
    or the query."""
    parts = []
    for err in exc.errors()[:3]:
        path = [str(p) for p in err["loc"]]
        where = ".".join(path[1:] if path[:1] in (["body"], ["query"], ["path"]) else path)
        parts.append(french_error("", FieldsError.of(err, where=where, field=where)))
    return "Requête invalide — " + " ".join(parts)


@dataclass(frozen=True, slots=True)
class DecodedPush:
    request: PushRequest
    normalised: bool
    """Every op's `set` is already as `normalise_fields` returns it (for `push_ops`)."""


async def read_push_request(request: Request, settings: SettingsDep) -> DecodedPush:
    limit = settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit, "corps")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise _too_large(limit, "corps")
    encoding = request.headers.get("content-encoding", "").strip().lower()
    # Decompressing, parsing and validating 500 ops is ~10-30 ms of CPU: in a worker
    # thread, not on the event loop that every other phone's request waits on.
    return await run_in_threadpool(decode_push_body, bytes(raw), encoding, limit)


def _parse(data: bytes) -> Any:
    # orjson reads a push body ~3x faster; what it refuses and the stdlib accepts
    # (integers beyond 64 bits, NaN) goes through the stdlib, as before.
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def decode_push_body(raw: bytes, encoding: str, limit: int) -> DecodedPush:
    """Decompress (within `limit`), parse and validate a push body.

    The whole batch is first validated in one pass, sets included; if anything in it
    fails, the envelope alone is validated here and each op's set later, on its own
    (`push_ops`), so that a bad op is rejected alone with its reason."""
    data = _decompress(raw, encoding, limit)
    try:
        payload = _parse(data)
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(422, detail="Requête invalide — corps JSON illisible.") from None
    except RecursionError:
        raise HTTPException(422, detail="Requête invalide — JSON trop imbriqué.") from None
    if not isinstance(payload, dict):
        raise HTTPException(422, detail="Requête invalide — un objet JSON est attendu.")
    # Checked before the schema: an outdated client must hear "update", not "invalid".
    schema_version = payload.get("schema_version")
    if isinstance(schema_version, int) and schema_version < MIN_SCHEMA_VERSION:
        raise SchemaTooOld(schema_version)
    fast = normalised_push(payload)
    if fast is not None:
        return DecodedPush(fast, normalised=True)
    try:
        return DecodedPush(PushRequest.model_validate(payload), normalised=False)
    except ValidationError as exc:
        raise HTTPException(422, detail=readable_errors(exc)) from None
