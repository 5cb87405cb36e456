"""Draw Relais's icon (assets/icon.png, assets/favicon.png) with the standard library.

Two white rings joined by a bar on the app's indigo: two people, one relay.
`flet build` takes assets/icon.png for the phone: 1024 px and opaque, edge to edge
(the App Store refuses an icon with transparency; iOS and Android round the corners
themselves). The web client shows favicon.png, with its own rounded corners.
Run `uv run python -m scripts.make_icon` after changing the drawing.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

INDIGO = (26, 35, 126)  # INDIGO_900, the app's primary colour
WHITE = (255, 255, 255)
ASSETS = Path(__file__).resolve().parent.parent / "assets"


ICON_SIZE = 1024


def _pixel(x: float, y: float, rounded: bool) -> tuple[int, ...]:
    """Colour at (x, y) in a unit square: RGBA, transparent outside the rounded square
    when `rounded`, else opaque RGB."""
    r = 0.18  # corner radius
    cx, cy = min(max(x, r), 1 - r), min(max(y, r), 1 - r)
    if not rounded:
        return _mark(x, y)[:3]
    if math.hypot(x - cx, y - cy) > r:
        return (0, 0, 0, 0)
    return _mark(x, y)


def _mark(x: float, y: float) -> tuple[int, int, int, int]:
    for ring_x in (0.33, 0.67):
        if 0.1 <= math.hypot(x - ring_x, y - 0.5) <= 0.16:
            return (*WHITE, 255)
    if 0.43 <= x <= 0.57 and 0.47 <= y <= 0.53:
        return (*WHITE, 255)
    return (*INDIGO, 255)


def png(size: int, *, rounded: bool) -> bytes:
    rows = b"".join(
        b"\x00"
        + b"".join(bytes(_pixel((i + 0.5) / size, (j + 0.5) / size, rounded)) for i in range(size))
        for j in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    colour_type = 6 if rounded else 2  # 8-bit RGBA, or RGB without an alpha channel
    header = struct.pack(">IIBBBBB", size, size, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    ASSETS.mkdir(exist_ok=True)
    (ASSETS / "icon.png").write_bytes(png(ICON_SIZE, rounded=False))
    (ASSETS / "favicon.png").write_bytes(png(64, rounded=True))


if __name__ == "__main__":
    main()
