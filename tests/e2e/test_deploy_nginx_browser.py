"""The deployment files, tried with real processes: Debian's nginx with the site in
`deploy/nginx/` and a throwaway self-signed certificate, in front of `./relais serve`
(two workers on a fresh PostgreSQL database set up with `./relais migrate` and
`./relais admin …`, as an operator does from a fresh clone). Chromium opens the console
over HTTPS and the new admin logs in (through nginx's websocket proxying); a phone's
sync client enrols and syncs through nginx over TLS."""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from app.store import LocalStore
from app.sync.client import SyncClient
from scripts.processes import ROOT, free_port
from tests.e2e.console_steps import sign_in
from tests.e2e.ui import DESKTOP, Ui
from tests.server.conftest import fresh_pg_database, pg_admin

pytestmark = [pytest.mark.browser, pytest.mark.processes, pytest.mark.postgres]
__all__ = ["pg_admin"]  # the server suite's fixture, used here

NGINX = "/usr/sbin/nginx"
PASSWORD = "Vraiment-Solide-2026"
CITE = "Cité de l'emploi de Creil"
REFERENTIALS = """type;code;nom;genre;thematiques;commune
qpv;QN0600101;Rouher;;;
partenaire;;France Travail Creil;france_travail;emploi;Creil
"""


def relais(env: dict[str, str], *argv: str, stdin: str = "") -> str:
    done = subprocess.run(
        [str(ROOT / "relais"), *argv],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=DNS:localhost,DNS:console.localhost,IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def nginx_conf(folder: Path, *, https: int, http: int, port: int, console: int) -> Path:
    """The shipped site, its names, ports and certificate swapped for this machine."""
    site = (ROOT / "deploy" / "nginx" / "relais.conf").read_text()
    for old, new in [
        ("sync.relais.example.fr", "localhost"),
        ("relais.example.fr;", "console.localhost;"),
        ("/etc/letsencrypt/live/relais.example.fr/fullchain.pem", str(folder / "cert.pem")),
        ("/etc/letsencrypt/live/relais.example.fr/privkey.pem", str(folder / "key.pem")),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen [::]:80;", ""),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{port};"),
        ("server 127.0.0.1:8552;", f"server 127.0.0.1:{console};"),
        ("/var/log/nginx/", f"{folder}/"),
    ]:
        assert old in site, old
        site = site.replace(old, new)
    (folder / "relais.conf").write_text(site)
    log_format = (ROOT / "deploy" / "nginx" / "relais-log-format.conf").read_text()
    main = folder / "nginx.conf"
    main.write_text(
        f"""
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    access_log off;
    {log_format}
    include {folder}/relais.conf;
}}
"""
    )
    return main


def wait_for(url: str, check: object, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(url, timeout=2, verify=check).status_code == 200:  # type: ignore[arg-type]
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url}: {log.read_text()[-3000:]}")


def test_console_and_phone_through_nginx_over_tls_on_postgres(
    browser: Browser, out_dir: Path, pg_admin: Engine
) -> None:
    with fresh_pg_database(pg_admin) as url:
        _through_nginx(browser, out_dir, url)


def _through_nginx(browser: Browser, out_dir: Path, database_url: str) -> None:
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: run the tests through ./relais test, which installs it")
    folder = out_dir / "nginx"
    folder.mkdir()
    cert, _key = self_signed(folder)
    tls = ssl.create_default_context(cafile=str(cert))  # trusts this certificate only
    port, console_port, https, http = free_port(), free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": database_url,
        "RELAIS_CONSOLE_DB": str(out_dir / "console.sqlite3"),
        "RELAIS_WORKERS": "2",
    }
    relais(env, "migrate")
    relais(env, "admin", "create-cite", "--name", CITE, "--communes", "Creil")
    relais(env, "admin", "create-admin", "--cite", CITE, "--username", "chef", stdin=PASSWORD)
    (out_dir / "ref.csv").write_text(REFERENTIALS)
    relais(env, "admin", "import-referentials", "--cite", CITE, str(out_dir / "ref.csv"))

    serve_log, nginx_log = out_dir / "serve.log", folder / "error.log"
    with serve_log.open("wb") as out:
        serve = subprocess.Popen(
            [str(ROOT / "relais"), "serve", "--port", str(port), "--console-port",
             str(console_port)],
            cwd=ROOT, env=env, stdout=out, stderr=out,
        )  # fmt: skip
    nginx: subprocess.Popen[bytes] | None = None
    try:
        wait_for(f"http://127.0.0.1:{port}/health/ready", True, serve, serve_log)
        wait_for(f"http://127.0.0.1:{console_port}/", True, serve, serve_log)
        main = nginx_conf(folder, https=https, http=http, port=port, console=console_port)
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(folder), "-c", str(main)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        nginx_log.touch()
        nginx = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(main), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sync_url = f"https://localhost:{https}"
        wait_for(f"{sync_url}/health/ready", tls, nginx, nginx_log)

        # TLS only, and the site's headers and limits.
        plain = httpx.get(f"http://localhost:{http}/health/live", timeout=5)
        assert plain.status_code == 301
        assert plain.headers["location"] == "https://localhost/health/live"
        ready = httpx.get(f"{sync_url}/health/ready", verify=tls)
        assert ready.headers["strict-transport-security"].startswith("max-age=")
        assert ready.headers["x-content-type-options"] == "nosniff"
        assert "server" not in ready.headers or "nginx/" not in ready.headers["server"]
        assert len(ready.headers["x-request-id"]) == 32  # nginx's id, in both logs
        assert httpx.get(f"{sync_url}/metrics", verify=tls).status_code == 404
        # From the machine itself: the two workers' counters, added up.
        local = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert 'relais_http_requests_total{method="GET",route="/health/ready",status="200"}' in (
            local
        )
        too_big = httpx.post(f"{sync_url}/sync/push", content=b"x" * (7 * 1024 * 1024), verify=tls)
        assert too_big.status_code == 413

        # The admin, over HTTPS in Chromium: the console's websocket goes through nginx.
        context = browser.new_context(ignore_https_errors=True, viewport=DESKTOP)  # type: ignore[arg-type]
        page = context.new_page()
        ui = Ui(page, out_dir / "console")
        ui.goto(f"https://console.localhost:{https}/")
        sign_in(ui, "chef", PASSWORD)
        # The admin's own section: shown only once signed in, as an admin.
        expect(page.get_by_role("button", name=re.compile("^Administration"))).to_be_visible(
            timeout=30_000
        )
        ui.shot("console-over-https")
        context.close()

        # A mediator's account and a one-time code, then her phone enrols and syncs.
        admin = httpx.post(
            f"{sync_url}/auth/login",
            json={"username": "chef", "password": PASSWORD, "device_name": "pc"},
            verify=tls,
        )
        auth = {"Authorization": f"Bearer {admin.json()['token']}"}
        amina = httpx.post(
            f"{sync_url}/admin/users",
            headers=auth,
            json={"username": "amina", "display_name": "Amina D.", "role": "mediator",
                  "password": "une-phrase-de-passe"},
            verify=tls,
        )  # fmt: skip
        assert amina.status_code == 201, amina.text
        code = httpx.post(
            f"{sync_url}/admin/users/{amina.json()['id']}/enrol-codes",
            headers=auth,
            verify=tls,
        ).json()["code"]
        store = LocalStore(out_dir / "phone.sqlite3")
        client = SyncClient(store, sync_url, transport=httpx.HTTPTransport(verify=tls, retries=0))
        try:
            client.enrol(code, "Pixel 7")
            person = store.create("person", {"first_name": "Aïcha", "last_name": "N'Diaye"})
            report = client.sync()
            assert report.pushed == 1
            assert not store.is_pending("person", person)
        finally:
            client.close()
            store.close()
        found = httpx.get(f"{sync_url}/console/persons/{person}/pathway", headers=auth, verify=tls)
        assert found.status_code == 200, found.text

        # The phone's requests went through nginx, with the path only in its log.
        access = (folder / "relais-sync.access.log").read_text()
        assert '"POST /sync/push"' in access
        assert "?" not in access
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=20)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        shutil.rmtree(folder / "body", ignore_errors=True)
