"""The phone package stays buildable with `flet build apk|ipa` (no Flutter SDK here).

`flet build` installs `[project].dependencies` for the phone, binary wheels from
Flet's index of Android/iOS builds only. So: a fresh virtual environment with exactly
those packages (at the versions uv.lock holds) imports the field app the way the
packaged app starts it, and the field app's store, sync-client and screen-state tests
run in it. A phone module importing the server, the console or a package the phone
does not install fails here; so does a binary package the mobile index has no build
of at that version.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())

# The field app's own tests: store, sync client, field screens' state, storage.
PHONE_TESTS = [
    "tests/app/test_store.py",
    "tests/app/test_store_durability.py",
    "tests/app/test_store_pathway.py",
    "tests/app/test_store_plain_columns.py",
    "tests/app/test_store_resync.py",
    "tests/app/test_outbox_settle.py",
    "tests/app/test_sync.py",
    "tests/app/test_sync_pull_stream.py",
    "tests/app/test_push_body.py",
    "tests/app/test_replies.py",
    "tests/app/test_auto_sync.py",
    "tests/app/test_field_autosync.py",
    "tests/app/test_field_contact_channel.py",
    "tests/app/test_field_drop_rejected.py",
    "tests/app/test_field_person.py",
    "tests/app/test_phone_security.py",
    "tests/app/test_phone_storage.py",
    "tests/domain/test_enrol.py",
]

# Run inside the phone's environment: start the app's code the way the packaged app
# does (the root main.py, as a module), then say what got imported from where.
IMPORT_PROBE = """
import importlib.metadata as md, json, runpy, sys
runpy.run_path("main.py", run_name="relais_phone")  # `flet build`'s entry point
import app.field.state.field_state, app.main
dists = md.packages_distributions()
std = set(sys.stdlib_module_names)
third = sorted({n.split(".")[0] for n in sys.modules} - std - {"app", "domain", "__main__"})
print(json.dumps({
    "ours": sorted(n for n in sys.modules if n.split(".")[0] in ("app", "domain", "sync_server")),
    "packages": {top: dists.get(top, []) for top in third if not top.startswith("_")},
}))
"""

# Run inside the phone's environment: every installed distribution, and whether its
# wheel is pure Python (one wheel for every platform) or binary.
DISTS_PROBE = """
import importlib.metadata as md, json
out = {}
for d in md.distributions():
    pure = "Root-Is-Purelib: true" in (d.read_text("WHEEL") or "")
    out[d.metadata["Name"].lower().replace("_", "-")] = [d.version, pure]
print(json.dumps(out))
"""


def _name(raw: str) -> str:
    return raw.lower().replace("_", "-")


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        pytest.fail("uv is missing: run the tests through ./relais test, which installs it")
    return found


def _run(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "VIRTUAL_ENV"))}
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False, **kw
    )
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def _export(*selection: str) -> str:
    """Exact requirements from uv.lock for `selection` (uv export's group options)."""
    args = [_uv(), "export", "--frozen", "--no-hashes", "--no-emit-project", *selection]
    return _run(args).stdout


@pytest.fixture(scope="module")
def phone_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with the phone's packages (and pytest, to run tests)."""
    where = tmp_path_factory.mktemp("phone")
    (where / "phone.txt").write_text(_export("--no-default-groups"))
    (where / "tests.txt").write_text(_export("--only-group", "phone-tests"))
    _run([_uv(), "venv", "--quiet", "--python", sys.executable, str(where / "venv")])
    python = where / "venv" / "bin" / "python"
    _run(
        [
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "-r",
            str(where / "phone.txt"),
        ]
    )
    return python


def test_the_phone_dependencies_are_exact_and_every_binary_one_has_a_mobile_build(
    phone_python: Path,
) -> None:
    builds = {_name(k): v for k, v in PYPROJECT["tool"]["relais"]["mobile-builds"].items()}
    for raw in PYPROJECT["project"]["dependencies"]:
        req = Requirement(raw)
        pins = [s for s in req.specifier if s.operator == "=="]
        assert pins, f"{raw}: the phone's packages are pinned (==) to a build that exists"
    installed = json.loads(_run([str(phone_python), "-c", DISTS_PROBE]).stdout)
    installed.pop("pip", None)
    assert not {"sqlmodel", "fastapi", "uvicorn", "psycopg", "flet-web", "openpyxl"} & set(
        installed
    )
    for name, (version, pure) in sorted(installed.items()):
        if pure:
            continue
        assert name in builds, f"{name} {version} is binary and has no Android/iOS build listed"
        assert builds[name] == version, (
            f"{name}: installed {version}, the mobile index's build is {builds[name]}"
        )
    assert set(builds) <= set(installed), "a listed mobile build the phone does not install"


def test_the_field_app_starts_with_the_phone_packages_alone(phone_python: Path) -> None:
    seen = json.loads(_run([str(phone_python), "-c", IMPORT_PROBE]).stdout)
    ours = seen["ours"]
    assert "app.main" in ours and "app.field.state.field_state" in ours
    assert not [m for m in ours if m.startswith("sync_server")], "the phone imports the server"
    console = [
        m
        for m in ours
        if "console" in m or m in ("app.console.state.admin_state", "app.console.widgets.charts")
    ]
    assert not console, f"the field app imports the console's modules: {console}"
    phone = {
        _name(line.split("==")[0])
        for line in _export("--no-default-groups").splitlines()
        if "==" in line
    }
    for top, dists in seen["packages"].items():
        assert dists, f"module {top} comes from no installed distribution"
        assert {_name(d) for d in dists} <= phone, f"{top} comes from {dists}, not a phone package"


def test_the_field_app_tests_pass_with_the_phone_packages(
    phone_python: Path, tmp_path: Path
) -> None:
    tests_txt = phone_python.parents[2] / "tests.txt"
    _run([_uv(), "pip", "install", "--quiet", "--python", str(phone_python), "-r", str(tests_txt)])
    done = _run(
        [
            str(phone_python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            # The project's options but xdist's: that plugin is not in this environment.
            "-o",
            "addopts=--strict-markers",
            "--basetemp",
            str(tmp_path / "t"),
            *PHONE_TESTS,
        ]
    )
    assert " passed" in done.stdout.splitlines()[-1]


def test_flet_build_finds_its_entry_point_settings_and_icon() -> None:
    flet = PYPROJECT["tool"]["flet"]
    assert (ROOT / flet["app"]["path"] / f"{flet['app']['module']}.py").is_file()
    assert flet["org"] and flet["product"] == "Relais"
    for server_side in ("sync_server", "tests", "benchmarks", "scripts", "var"):
        assert server_side in flet["app"]["exclude"]
    icon = (ROOT / "assets" / "icon.png").read_bytes()
    width, height, _depth, colour_type = struct.unpack(">IIBB", icon[16:26])
    assert width >= 1024 and height == width
    assert colour_type == 2, "the App Store refuses an icon with an alpha channel"
