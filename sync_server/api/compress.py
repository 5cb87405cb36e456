"""Sync replies compressed with zstd for clients that accept it.

A pull page of 1,000 contacts is ~470 KB of JSON and ~25 KB once compressed (level
1: ~0.3 ms to compress, ~0.1 ms to decompress): phones on a weak mobile signal
download a twentieth of the bytes. On loopback, where bytes cost nothing, a page
takes about as long either way (11.8 ms against 11.2 ms, median of 40 alternated
requests). The phone's httpx asks for zstd and decodes it itself.
"""

from __future__ import annotations

import zstandard
from fastapi import Request, Response

# Below this, a reply fits in a packet or two: not worth a compression context.
MIN_COMPRESSED_BYTES = 1024
LEVEL = 1


def accepts_zstd(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows zstd (`zstd;q=0` refuses it)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() != "zstd":
            continue
        quality = params.strip().lower().removeprefix("q=")
        try:
            return not params.strip() or float(quality) > 0
        except ValueError:
            return False
    return False


def json_reply(request: Request, body: bytes, media_type: str = "application/json") -> Response:
    """A JSON response with `body`, zstd-compressed when the client accepts it."""
    headers = {"Vary": "Accept-Encoding"}
    if len(body) >= MIN_COMPRESSED_BYTES and accepts_zstd(
        request.headers.get("accept-encoding", "")
    ):
        # One compressor per reply: a zstd context is not safe across worker threads.
        body = zstandard.ZstdCompressor(level=LEVEL).compress(body)
        headers["Content-Encoding"] = "zstd"
    return Response(body, media_type=media_type, headers=headers)
