"""Shared helpers for the benchmarks: a database of their own, the app served by gunicorn
as in production, and a lean asyncio load generator with percentile statistics.

    env = bench_env("svc_bench_x")
    prepare_database(env)                      # create if missing, migrate, sync roles
    with Gunicorn(env, port=8201, workers=3) as server:
        stats = run_load(server.url("/api/v1/tickets/"), method="POST", body=..., ...)

Every load run is bounded in time and only talks to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_SECRET = "bench-only-secret-7f3a9c1e5b2d8f4a6c0e9b7d5f3a1c8e6b4d2f0a9c7e5b3d1f8a6c4e2b0d"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def base_database_url() -> str:
    """The developer's DATABASE_URL (environment, then .env), or the development default."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        env_file = BASE_DIR / ".env"
        if env_file.exists():
            for line in env_file.read_text().splitlines():
                m = re.match(r"\s*DATABASE_URL\s*=\s*(\S+)", line)
                if m:
                    url = m.group(1).strip("'\"")
    return url or "postgres://postgres@127.0.0.1:5432/service_dispatch"


def database_url(db_name: str) -> str:
    parts = urlsplit(base_database_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/{db_name}", parts.query, ""))


def bench_env(db_name: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off) against the bench's own database, over plain HTTP
    on 127.0.0.1 (no TLS redirect, cookies not marked secure)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(db_name),
        "DEBUG": "false",
        "SECRET_KEY": BENCH_SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "ERROR",  # not a line per 404 while a page is missing
        "SITE_URL": "http://127.0.0.1:8000",
        # The benches measure throughput, not the per-token and per-address limits.
        "API_READ_RATE": "100000000/min",
        "API_WRITE_RATE": "100000000/min",
        "PUBLIC_PAGE_REQUESTS_PER_MINUTE": "100000000",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else sys.stderr,
    )
    return result.stdout if capture else ""


def psql_connect(env: dict[str, str], *, maintenance: bool = False):
    import psycopg2

    url = env["DATABASE_URL"]
    if maintenance:
        parts = urlsplit(url)
        url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def prepare_database(env: dict[str, str], *, demo: bool = True) -> None:
    """Create the bench database when missing, migrate it, grant the role permissions,
    load the demo operator (idempotent) and collect static files for DEBUG=false."""
    db_name = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    conn = psql_connect(env, maintenance=True)
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name])
        if cur.fetchone() is None:
            log(f"creating database {db_name}")
            cur.execute(f'CREATE DATABASE "{db_name}"')
    conn.close()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "sync_roles")
    if demo:
        manage(env, "load_demo", capture=True)
    manage(env, "collectstatic", "--noinput", "-v0")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


class Gunicorn:
    """The app served as in production: `gunicorn config.wsgi` with sync workers."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        port: int,
        workers: int = 4,
        worker_class: str = "sync",
        threads: int = 1,
        extra_args: tuple[str, ...] = (),
    ):
        self.env, self.port = env, port
        self.args = [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--backlog",
            "512",
            "--log-level",
            "warning",
            *extra_args,
        ]
        self.proc: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Gunicorn:
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already in use")
        self.proc = subprocess.Popen(self.args, cwd=BASE_DIR, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            if port_open(self.port):
                break
            time.sleep(0.2)
        else:
            self.__exit__(None, None, None)
            raise RuntimeError("gunicorn did not start in 30 s")
        # Let every worker import the app before the clock starts.
        time.sleep(1.5)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- CPU accounting: what a request costs, whatever else runs on the machine ----------

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime + stime


def child_pids(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            out.append(int(stat.parent.name))
    return out


class CpuMeter:
    """CPU seconds used by the gunicorn workers and the Postgres backends serving the
    bench database between start() and stop_split(): with other work on the same machine the
    wall-clock rate is noisy, the CPU cost per request is not."""

    def __init__(self, env: dict[str, str], server: Gunicorn):
        self.env, self.server = env, server
        self.db_name = urlsplit(env["DATABASE_URL"]).path.lstrip("/")

    def _pids(self) -> tuple[list[int], list[int]]:
        app = child_pids(self.server.proc.pid) if self.server.proc else []
        conn = psql_connect(self.env)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.db_name],
            )
            db = [row[0] for row in cur.fetchall()]
        conn.close()
        return app, db

    def start(self) -> None:
        app, db = self._pids()
        self.before = {pid: _proc_cpu_s(pid) for pid in app + db}

    def stop_split(self) -> tuple[float, float]:
        """CPU seconds of (the gunicorn workers, the Postgres backends) since start()."""
        app, db = self._pids()

        def used(pids):
            return sum(_proc_cpu_s(pid) - self.before.get(pid, 0.0) for pid in pids)

        return used(app), used(db)


def host_reference_ms() -> float:
    """CPU milliseconds of a fixed piece of Python work (JSON and dict handling, like a
    request's), the best of five: the speed of the host at this moment. The cores here
    are shared with other machines, and the same code has run twice as slow for minutes
    at a time; a figure measured beside a higher reference ran on a slower host."""
    import json

    data = {f"k{i}": [i, str(i) * 3, {"x": i / 7}] for i in range(2000)}
    best = math.inf
    for _ in range(5):
        before = time.process_time()
        for _ in range(20):
            loaded = json.loads(json.dumps(data))
            sorted(loaded, key=lambda k: loaded[k][0] % 97)
        best = min(best, time.process_time() - before)
    return round(best * 1000, 1)


# --- load generation -------------------------------------------------------------------


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def stats(self) -> dict:
        lat = sorted(self.latencies_ms)
        total = len(lat) + self.errors

        def pct(p: float) -> float | None:
            if not lat:
                return None
            return round(lat[max(0, min(len(lat), math.ceil(p / 100 * len(lat))) - 1)], 1)

        return {
            "rps": round(len(lat) / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "errors": self.errors,
            "requests": total,
        }


RequestFactory = Callable[[int], tuple[str, str, dict | None, dict[str, str]]]
"""(sequence number) -> (method, url, json body or None, headers)"""


def _raw_request(method: str, url: str, body: dict | None, headers: dict, cookies) -> tuple:
    """(host, port, the request's bytes): HTTP/1.1, keep-alive."""
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}"]
    payload = b""
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    lines += [f"{k}: {v}" for k, v in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return parts.hostname, parts.port, head + payload


async def _read_response(loop, sock) -> tuple[int, bool]:
    """(status, whether the connection stays open). Reads the whole body: by its
    Content-Length, else to EOF (gunicorn's sync workers close every connection)."""
    data = b""
    while (end := data.find(b"\r\n\r\n")) < 0:
        chunk = await loop.sock_recv(sock, 65536)
        if not chunk:
            raise ConnectionError("the server closed the connection before answering")
        data += chunk
    head, body_read = data[:end], len(data) - end - 4
    status = int(head[9:12])
    length, keep = None, True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
    while length is None or body_read < length:
        chunk = await loop.sock_recv(sock, 65536)
        if not chunk:
            if length is None:
                return status, False
            raise ConnectionError("the server closed the connection mid-body")
        body_read += len(chunk)
    return status, keep


async def _load(
    make_request: RequestFactory,
    *,
    concurrency: int,
    duration_s: float,
    cookies: dict[str, str] | None,
    ok_statuses: tuple[int, ...],
) -> Result:
    """A lean client on asyncio's socket calls (no transports or streams): it shares the
    cores with the server it measures, so it should take as little CPU per request as it
    can (about a third of aiohttp's). It keeps a connection open while the server does
    (gunicorn's threaded workers; the sync workers of production close each one)."""
    result = Result()
    counter = iter(range(10**12))
    start = time.perf_counter()
    deadline = start + duration_s

    loop = asyncio.get_running_loop()

    async def one(conn: list, method, url, body, headers) -> int | str:
        host, port, raw = _raw_request(method, url, body, headers, cookies)
        if not conn:
            sock = socket.socket()
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                await loop.sock_connect(sock, (host, port))
            except BaseException:
                sock.close()
                raise
            conn.append(sock)
        sock = conn[0]
        try:
            await loop.sock_sendall(sock, raw)
            status, keep = await _read_response(loop, sock)
        except BaseException:
            sock.close()
            conn.clear()
            raise
        if not keep:
            sock.close()
            conn.clear()
        return status

    async def worker():
        conn: list = []  # [socket] while a connection is open
        while time.perf_counter() < deadline:
            method, url, body, headers = make_request(next(counter))
            t0 = time.perf_counter()
            try:
                async with asyncio.timeout(30):
                    status = await one(conn, method, url, body, headers)
            except Exception as exc:  # connection refused, timeout: an error, counted
                status = type(exc).__name__
            took = (time.perf_counter() - t0) * 1000
            if status in ok_statuses:
                result.latencies_ms.append(took)
            else:
                result.errors += 1
                key = str(status)
                result.error_samples[key] = result.error_samples.get(key, 0) + 1
        if conn:
            conn[0].close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed_s = time.perf_counter() - start
    return result


def run_load(
    make_request: RequestFactory,
    *,
    concurrency: int,
    duration_s: float,
    cookies: dict[str, str] | None = None,
    ok_statuses: tuple[int, ...] = (200, 201),
) -> Result:
    """Send requests from `concurrency` clients for `duration_s` seconds (a request in
    flight at the deadline completes and counts)."""
    return asyncio.run(
        _load(
            make_request,
            concurrency=concurrency,
            duration_s=duration_s,
            cookies=cookies,
            ok_statuses=ok_statuses,
        )
    )


def session_login(base_url: str, username: str, password: str) -> dict[str, str]:
    """Log in through the real login page (CSRF and all); returns the session cookies."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/accounts/login/", timeout=30).read().decode()
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not m:
        raise RuntimeError("no CSRF token on the login page")
    data = urllib.parse.urlencode(
        {"login": username, "password": password, "csrfmiddlewaretoken": m.group(1)}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/accounts/login/", data=data, headers={"Referer": f"{base_url}/"}
    )
    opener.open(request, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"login as {username} failed")
    return cookies
