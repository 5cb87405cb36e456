"""Fail on functions longer than 60 lines outside the tests and migrations.

A function a reader cannot hold in one screen hides its steps; split it into named
parts. `scripts/long_functions.txt` lists the functions still over the limit, each
with the length it may not exceed: the list may only shrink.

    uv run python -m scripts.check_functions
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_LINES = 60
ROOTS = ("app", "domain", "sync_server", "scripts", "benchmarks")
ROOT = Path(__file__).resolve().parent.parent
ALLOWED = ROOT / "scripts" / "long_functions.txt"


def long_functions() -> dict[str, int]:
    found: dict[str, int] = {}
    for root in ROOTS:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_LINES:
                        found[f"{path.relative_to(ROOT)}::{node.name}"] = length
    return found


def allowed() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in ALLOWED.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, length = line.rsplit(maxsplit=1)
            out[name] = int(length)
    return out


def main() -> int:
    limits = allowed()
    errors = [
        f"{name}: {length} lines (limit {limits.get(name, MAX_LINES)})"
        for name, length in long_functions().items()
        if length > limits.get(name, MAX_LINES)
    ]
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
