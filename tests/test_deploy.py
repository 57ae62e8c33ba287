"""The deployment files in deploy/ are valid and their commands really start the product."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.stack import ROOT, UNIT_DIR, Process, example_env, exec_start, free_port

UNITS = sorted(UNIT_DIR.glob("dutyschool-*"))


def local_unit(unit: Path, target: Path) -> Path:
    """The unit with /opt/dutyschool pointing at this checkout, as an installer would place it."""
    copy = target / unit.name
    copy.write_text(unit.read_text().replace("/opt/dutyschool", str(ROOT)))
    return copy


def test_the_example_environment_names_every_variable_the_units_use():
    env = example_env()
    for unit in UNITS:
        for name in re.findall(r"\$\{(\w+)\}", unit.read_text()):
            assert name in env, f"{unit.name} uses ${{{name}}}, missing from deploy/env.example"


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_accepts_the_unit(unit, tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: scripts/bootstrap.sh --test installs it"
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(local_unit(unit, tmp_path))],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    # Only complaints about this machine (no dutyschool user, no EnvironmentFile) are allowed.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "dutyschool-" in line and "not executable" not in line
    ]
    assert not problems, problems


@pytest.mark.slow
@pytest.mark.django_db
def test_the_web_unit_serves_health_and_compressed_hashed_static_files(tmp_path):
    from conftest import _test_database_url

    port = free_port()
    env = {
        **os.environ,
        **{k: v for k, v in example_env().items() if k.startswith("WEB_")},
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "DATABASE_URL": _test_database_url(),
        "STATIC_ROOT": str(tmp_path / "static"),
        "STATIC_MANIFEST": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert collect.returncode == 0, collect.stderr
    web = subprocess.Popen(
        exec_start("dutyschool-web.service", env),
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    pytest.fail(web.stdout.read().decode(errors="replace") if web.poll() else "")
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
            page = response.read().decode()
        css = re.search(r'href="(/static/css/dutyschool\.[0-9a-f]{12}\.css)"', page)
        assert css, "the login page links the hashed stylesheet"
        request = urllib.request.Request(base + css.group(1), headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"
            assert "immutable" in response.headers["Cache-Control"]
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)


# ---- the nginx site ------------------------------------------------------------------------------

SITE = ROOT / "deploy" / "nginx" / "dutyschool.conf"


def nginx_config(tmp_path: Path, *, upstream: str, http_port: int, https_port: int,
                 static_root: Path) -> Path:  # fmt: skip
    """deploy/nginx/dutyschool.conf included from a minimal nginx.conf, as Debian's nginx.conf
    includes sites-enabled/: loopback ports, a self-signed certificate, this test's upstream
    and static directory. Everything else in the site is used as written."""
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=duty.example.edu.cn", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = SITE.read_text()
    for old, new in {
        "server 127.0.0.1:8000;": f"server {upstream};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/dutyschool/fullchain.pem": str(cert),
        "/etc/ssl/dutyschool/privkey.pem": str(key),
        "/var/lib/dutyschool/static/": f"{static_root}/",
    }.items():
        assert old in site, f"{SITE.name} no longer contains {old!r}: update this test"
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    temp = "\n".join(
        f"  {kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp_path / "nginx.conf"
    config.write_text(f"""daemon off;
{"user root;" if os.geteuid() == 0 else ""}
pid {tmp_path / "nginx.pid"};
error_log {tmp_path / "error.log"};
events {{}}
http {{
  include /etc/nginx/mime.types;
  log_format ids '$request_id $status $request';
  access_log {tmp_path / "access.log"} ids;
{temp}
  include {tmp_path / "site.conf"};
}}
""")
    return config


def nginx_binary() -> str:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    assert nginx, "nginx is missing: scripts/bootstrap.sh --test installs it"
    return nginx


def test_nginx_accepts_the_site(tmp_path):
    config = nginx_config(tmp_path, upstream=f"127.0.0.1:{free_port()}", http_port=free_port(),
                          https_port=free_port(), static_root=tmp_path)  # fmt: skip
    result = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def fetch(url: str, host: str = "duty.example.edu.cn", **headers):
    """One request with the site's host name; TLS is not verified (self-signed); redirects are
    returned, not followed."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect)
    request = urllib.request.Request(url, headers={"Host": host, **headers})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


@pytest.mark.slow
@pytest.mark.django_db
def test_the_nginx_site_proxies_to_the_web_unit_over_https(tmp_path):
    """The production set-up on loopback: nginx with the site in front of gunicorn started
    from the web unit, HTTPS on, the app trusting the proxy's X-Forwarded-Proto."""
    from conftest import _test_database_url

    port, http_port, https_port = free_port(), free_port(), free_port()
    static = tmp_path / "static"
    env = {
        **os.environ,
        **{k: v for k, v in example_env().items() if k.startswith("WEB_")},
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": _test_database_url(),
        "STATIC_ROOT": str(static),
        "STATIC_MANIFEST": "1",
        "ALLOWED_HOSTS": "duty.example.edu.cn,127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": "https://duty.example.edu.cn",
        "HTTPS": "1",
        "BEHIND_PROXY": "1",
    }
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert collect.returncode == 0, collect.stderr
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    config = nginx_config(nginx_dir, upstream=f"127.0.0.1:{port}", http_port=http_port,
                          https_port=https_port, static_root=static)  # fmt: skip
    web = Process("web", exec_start("dutyschool-web.service", env), env, tmp_path / "web.log")
    proxy = Process(
        "nginx",
        [nginx_binary(), "-p", str(nginx_dir), "-e", str(nginx_dir / "error.log"), "-c",
         str(config)],
        env, tmp_path / "nginx.log",
    )  # fmt: skip
    https = f"https://127.0.0.1:{https_port}"
    try:
        web.wait_for_http(f"http://127.0.0.1:{port}/healthz")
        proxy.wait_for_http(f"http://127.0.0.1:{http_port}/healthz")
        # Plain HTTP: the health probe reaches the app, everything else goes to HTTPS.
        status, _headers, body = fetch(f"http://127.0.0.1:{http_port}/healthz")
        assert status == 200 and b"ok" in body, body[:300]
        status, headers, _body = fetch(f"http://127.0.0.1:{http_port}/accounts/login/")
        assert status == 301
        assert headers["Location"] == "https://duty.example.edu.cn/accounts/login/"
        # HTTPS: the app sees a secure request (no redirect loop, HSTS, secure cookies) and
        # answers with the request id nginx made.
        status, headers, body = fetch(f"{https}/accounts/login/")
        page = body.decode()
        assert status == 200, page[:500]
        assert "max-age=" in headers["Strict-Transport-Security"]
        assert "Secure" in headers["Set-Cookie"]
        request_id = headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
        access = (nginx_dir / "access.log").read_text()
        assert f"{request_id} 200 GET /accounts/login/" in access, access
        # Static files come from nginx itself: the precompressed .gz, cached for a year.
        css = re.search(r'href="(/static/css/dutyschool\.[0-9a-f]{12}\.css)"', page)
        assert css, "the login page links the hashed stylesheet"
        web.stop()  # nginx alone must serve it
        status, headers, body = fetch(https + css.group(1), **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
        gz = (static / css.group(1).removeprefix("/static/")).with_suffix(".css.gz")
        assert body == gz.read_bytes()
    finally:
        web.stop()
        proxy.stop()


# ---- docker-compose.yml --------------------------------------------------------------------------


def parse_yaml_subset(text: str):
    """The YAML docker-compose.yml is written in: block mappings and "- scalar" lists by
    indentation, plain or quoted scalars, JSON-style flow lists. (PyYAML is not a dependency.)
    Anything else is an error, so the file stays within what this checks."""
    lines = [
        (len(line) - len(line.lstrip()), line.strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]

    def scalar(value: str):
        if value.startswith(("[", '"')):
            return json.loads(value)
        assert " #" not in value, f"no trailing comments: {value!r}"
        return value

    def block(start: int, indent: int):
        result: dict | list | None = None
        i = start
        while i < len(lines) and lines[i][0] >= indent:
            depth, line = lines[i]
            assert depth == indent, f"unexpected indentation: {line!r}"
            if line.startswith("- "):
                result = [] if result is None else result
                assert isinstance(result, list), line
                result.append(scalar(line[2:]))
                i += 1
                continue
            key, sep, value = line.partition(":")
            assert sep and (not value or value.startswith(" ")), f"not a mapping: {line!r}"
            result = {} if result is None else result
            assert isinstance(result, dict) and key not in result, line
            if value.strip():
                result[key] = scalar(value.strip())
                i += 1
            elif i + 1 < len(lines) and lines[i + 1][0] > indent:
                result[key], i = block(i + 1, lines[i + 1][0])
            else:
                result[key] = None
                i += 1
        return result, i

    parsed, end = block(0, 0)
    assert end == len(lines)
    return parsed


def test_docker_compose_runs_the_units_commands_with_persistent_redis_and_one_beat():
    compose = parse_yaml_subset((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["redis"]["command"][1:3] == ["--appendonly", "yes"]
    assert set(compose["volumes"]) >= {"pgdata", "redisdata", "static", "media"}
    assert "static:/var/lib/dutyschool/static" in services["web"]["volumes"]
    for name in ("web", "worker"):
        assert "media:/var/lib/dutyschool/media" in services[name]["volumes"]
    dockerfile = services["migrate"]["build"]["dockerfile"]
    assert (ROOT / dockerfile).is_file()
    assert "migrate --noinput" in services["migrate"]["command"][-1]
    # The same command lines as the systemd units, with deploy/env.example's sizes.
    env = {**example_env(), "WEB_BIND": "0.0.0.0:8000"}
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["environment"]["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        unit = exec_start(f"dutyschool-{name}.service", env, host="%h")
        assert Path(unit[0]).name == service["command"][0]
        assert unit[1:] == service["command"][1:], name
    assert not services["beat"].get("deploy"), "beat must never be scaled"


# ---- the streaming replica recipe of docs/deploy.md ---------------------------------------------


@pytest.fixture
def workdir():
    """A directory the postgres user can reach (pytest's own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="dutyschool-replica-"))
    os.chmod(path, 0o755)  # noqa: S103 - the postgres user must reach its directories
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
def test_the_documented_streaming_replica_follows_the_primary_and_can_be_promoted(workdir):
    from psycopg2 import errors

    from tests.test_pitr import Cluster, pg_bin

    doc = (ROOT / "docs" / "deploy.md").read_text()
    section = doc[doc.index("### Streaming replica") :]
    sql = re.findall(r"^(CREATE ROLE .+;|SELECT pg_create_physical_replication_slot.+;)$",
                     section, re.M)  # fmt: skip
    assert len(sql) == 2, "the role and the slot statements"
    command = re.search(r"^pg_basebackup (.+)$", section, re.M)
    assert command, "the pg_basebackup line"
    args = command.group(1).split()
    assert {"-R", "-S"} <= set(args)
    primary = Cluster(workdir / "primary", workdir / "primary.log")
    primary.data.mkdir()
    replica_dir = workdir / "replica"
    replica_dir.mkdir(mode=0o700)
    primary.own(primary.data, replica_dir)
    subprocess.run(
        [pg_bin("initdb"), "-D", str(primary.data), "-U", "dutyschool", "--auth=trust"],
        check=True, stdout=subprocess.DEVNULL, **primary.as_user,
    )  # fmt: skip
    primary.start()
    replica = Cluster(replica_dir, workdir / "replica.log")
    try:
        conn = primary.connect()
        with conn.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
            cursor.execute("CREATE TABLE duty_log (id serial PRIMARY KEY, text text)")
            cursor.execute("INSERT INTO duty_log (text) VALUES ('before the copy')")
        # The documented line, with this machine's host, port and directory.
        args[args.index("-h") + 1] = "127.0.0.1"
        args[args.index("-D") + 1] = str(replica_dir)
        args.remove("-P")  # progress output only
        subprocess.run(
            [pg_bin("pg_basebackup"), *args, "-p", str(primary.port)],
            check=True, capture_output=True, timeout=120, **primary.as_user,
        )  # fmt: skip
        assert (replica_dir / "standby.signal").exists()
        assert "primary_conninfo" in (replica_dir / "postgresql.auto.conf").read_text()
        replica.start()
        copy = replica.connect()
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO duty_log (text) VALUES ('after the copy')")

        def rows() -> list[str]:
            with copy.cursor() as cursor:
                cursor.execute("SELECT text FROM duty_log ORDER BY id")
                return [row[0] for row in cursor.fetchall()]

        deadline = time.monotonic() + 30
        while rows() != ["before the copy", "after the copy"]:
            assert time.monotonic() < deadline, (rows(), replica.log.read_text()[-3000:])
            time.sleep(0.2)
        with conn.cursor() as cursor:
            cursor.execute("SELECT state FROM pg_stat_replication")
            assert [row[0] for row in cursor.fetchall()] == ["streaming"]
            cursor.execute("SELECT active FROM pg_replication_slots")
            assert cursor.fetchall() == [(True,)]
        with copy.cursor() as cursor, pytest.raises(errors.ReadOnlySqlTransaction):
            cursor.execute("INSERT INTO duty_log (text) VALUES ('on the standby')")
        # Failover: promote the replica; it takes writes.
        with copy.cursor() as cursor:
            cursor.execute("SELECT pg_promote()")
            assert cursor.fetchone()[0] is True
            cursor.execute("INSERT INTO duty_log (text) VALUES ('after promotion')")
        assert rows()[-1] == "after promotion"
        conn.close()
        copy.close()
    finally:
        replica.stop()
        primary.stop()


# ---- recipes of docs/deploy.md -------------------------------------------------------------------


def test_the_documented_secret_commands_make_usable_keys():
    from cryptography.fernet import Fernet

    doc = (ROOT / "docs" / "deploy.md").read_text()
    secret = re.search(r'`python3 -c "(import secrets;[^"]+)"`', doc)
    fernet = re.search(r'`\.venv/bin/python -c "(from cryptography[^"]+)"`', doc)
    assert secret and fernet, "docs/deploy.md gives both commands"
    keys = []
    for code in (secret.group(1), fernet.group(1), secret.group(1)):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=30, check=True)  # fmt: skip
        keys.append(result.stdout.strip())
    assert len(keys[0]) >= 50 and keys[0] != keys[2]  # random, long enough for check --deploy
    token = Fernet(keys[1].encode()).encrypt(b"110105198507043011")
    assert Fernet(keys[1].encode()).decrypt(token) == b"110105198507043011"


@pytest.mark.slow
@pytest.mark.django_db
def test_reloading_the_web_unit_during_traffic_drops_no_request(tmp_path):
    """Upgrade step 3: `systemctl reload dutyschool-web` is the unit's ExecReload (HUP to
    gunicorn): new workers start, the old ones finish; clients see no error meanwhile."""
    from conftest import _test_database_url

    unit = (UNIT_DIR / "dutyschool-web.service").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    port = free_port()
    env = {
        **os.environ,
        **{k: v for k, v in example_env().items() if k.startswith("WEB_")},
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "DATABASE_URL": _test_database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    web = Process("web", exec_start("dutyschool-web.service", env), env, tmp_path / "web.log")
    base = f"http://127.0.0.1:{port}"
    statuses: list[int | str] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=30) as response:
                    statuses.append(response.status)
            except (OSError, urllib.error.HTTPError) as exc:
                statuses.append(repr(exc))

    try:
        web.wait_for_http(f"{base}/healthz")
        booted = web.output().count("Booting worker")
        threads = [threading.Thread(target=client) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        before = len(statuses)
        os.kill(web.proc.pid, signal.SIGHUP)  # $MAINPID: the gunicorn master
        deadline = time.monotonic() + 60
        while web.output().count("Booting worker") < booted + 2:
            assert time.monotonic() < deadline, web.output()[-3000:]
            time.sleep(0.2)
        time.sleep(3)  # the new workers serve; the old ones are gone
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert "handling signal: hup" in web.output().lower()
        assert len(statuses) > before > 0
        assert set(statuses) == {200}, [s for s in statuses if s != 200][:5]
        assert web.proc.poll() is None  # the master stays: systemd sees no restart
    finally:
        stop.set()
        web.stop()
