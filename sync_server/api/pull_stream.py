"""Several pull pages in one reply: `GET /sync/pull/stream`, one page per line (NDJSON).

A phone catching up after days offline pulls thousands of rows in pages of
five hundred. Asked one request at a time, each page costs a round trip, the
authentication and the framework's dispatch (8–9 ms on loopback, as much as the
page's query), and the server stays idle while the phone writes the page it just
received. Streamed, the server reads page n+1 while the phone writes page n, on
another core, and authenticates once.

Each page is exactly what `GET /sync/pull` would answer from the previous page's
cursor, read in a transaction of its own: nothing is held open while the phone
reads, and on PostgreSQL each page sees the transactions finished by then (see
`sync_server.sync.pull`). With zstd, every line is flushed as a block of its own, so the
phone can decode and apply a page as soon as its last byte arrives. The stream
stops after `pages` pages or at the last one (`has_more` false, or
`reset_required`); the phone asks again from the last cursor it applied.
"""

from __future__ import annotations

from collections.abc import Iterator

import zstandard
from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from sqlmodel import Session

from sync_server.api.compress import LEVEL, accepts_zstd, json_reply
from sync_server.sync.pull import PullPage, pull_page

NDJSON = "application/x-ndjson"


def _more_pages(
    engine: Engine, *, cite_id: str, cursor: str, limit: int, pages: int
) -> Iterator[bytes]:
    """The pages after `cursor` (at most `pages`), each a JSON line, each read in a
    transaction of its own (iterated in a worker thread by Starlette)."""
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(pages):
            page = pull_page(session, cite_id=cite_id, cursor=cursor, limit=limit)
            session.commit()  # nothing held open while the phone reads this page
            yield page.to_json() + b"\n"
            if not page.has_more:
                return
            cursor = page.cursor


def _compressed(lines: Iterator[bytes]) -> Iterator[bytes]:
    # One compressor per reply: a zstd context is not safe across worker threads, and
    # this generator may be resumed by a different one at each line.
    stream = zstandard.ZstdCompressor(level=LEVEL).compressobj()
    for line in lines:
        yield stream.compress(line) + stream.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    yield stream.flush()


def stream_reply(
    request: Request, first: PullPage, *, cite_id: str, limit: int, pages: int
) -> Response:
    """The reply that starts with `first` (already read, so that a bad cursor or a
    busy database still gets its own status) and goes on for up to `pages` pages."""
    head = first.to_json() + b"\n"
    if not first.has_more or first.reset_required or pages == 1:
        return json_reply(request, head, media_type=NDJSON)
    engine: Engine = request.app.state.engine

    def lines() -> Iterator[bytes]:
        yield head
        yield from _more_pages(
            engine, cite_id=cite_id, cursor=first.cursor, limit=limit, pages=pages - 1
        )

    body = lines()
    headers = {"Vary": "Accept-Encoding"}
    if accepts_zstd(request.headers.get("accept-encoding", "")):
        body = _compressed(body)
        headers["Content-Encoding"] = "zstd"
    return StreamingResponse(body, media_type=NDJSON, headers=headers)
