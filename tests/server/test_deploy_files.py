"""The systemd units of `deploy/systemd/` as systemd itself reads them, with the
install folder swapped for this checkout; the environment example names only
settings the server knows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.processes import ROOT
from sync_server.core.settings import Settings

UNITS = ROOT / "deploy" / "systemd"


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    names = sorted(p.name for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))
    assert names == [
        "relais-console.service",
        "relais-retention.service",
        "relais-retention.timer",
        "relais-server.service",
    ]
    for name in names:
        text = (UNITS / name).read_text().replace("/opt/relais", str(ROOT))
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr
    server = (UNITS / "relais-server.service").read_text()
    assert "serve --no-console --no-retention" in server
    assert "EnvironmentFile=/etc/relais/relais.env" in server


def test_the_environment_example_names_known_settings() -> None:
    known = {f"RELAIS_{name.upper()}" for name in Settings.model_fields}
    example = (UNITS / "relais.env.example").read_text().splitlines()
    named = {
        line.lstrip("# ").split("=", 1)[0] for line in example if "=" in line and "RELAIS_" in line
    }
    assert named and named <= known, named - known
    docs = (ROOT / "docs" / "exploitation.md").read_text()
    assert all(f"`{name}`" in docs for name in known), sorted(
        name for name in known if f"`{name}`" not in docs
    )
