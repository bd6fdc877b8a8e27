"""Entry submission under load: throughput, latency and zero loss, end to end.

Run by hand (never by the tests)::

    .venv/bin/python bench/submit_load.py   # 1000 text and 200 photo entries, 20 at a time
    .venv/bin/python bench/submit_load.py --help

What it does, in order:

1. creates a fresh PostgreSQL database (``tasuki_bench`` on 127.0.0.1:5432, user
   ``postgres``, trust auth), migrates it, creates the cache table and a campaign
   with an open period and current terms;
2. starts an SMTP server (aiosmtpd, in this process) that keeps every mail;
3. **baseline**: serves ``bench.bare_urls`` (a view that only INSERTs one row)
   with gunicorn and sends N text-only POSTs at concurrency C;
4. serves the product with the same gunicorn configuration plus one
   ``manage.py db_worker`` (at ``nice 10``, as the Procfile runs it), with Redis
   as the cache unless ``--cache-url`` says otherwise, and sends
   a. N text-only entries (the final submit only), then
   b. M entries with one 3-4 MB phone-like JPEG each (upload, then submit),
   a share of submits being sent twice with the same submission key
   (half as a simultaneous double click, half as a retry after the answer);
5. waits for the worker to drain and checks, in the database and in the SMTP
   server's mailbox, that every acknowledged receipt is exactly one entry, that
   every photo was attached and processed, and that every entry got its mail;
6. stops everything and drops the database (unless ``--keep``).

For each timed phase it also prints the CPU time per accepted entry spent by
the web server, the worker, PostgreSQL and the load client (read from
``/proc``), which tells what bounds the throughput on this machine.

The load client runs in a separate process (asyncio + httpx). Everything it
needs that is not part of the timed path (the CSRF cookie and form token, the
ALTCHA challenges and their solutions) is fetched before the clock starts: the
proof of work is the entrant's cost, paid in the browser, not the server's, so
the server is run with ``ALTCHA_COST=10 ALTCHA_KEY_PREFIX=0``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import concurrent.futures
import contextlib
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
SLUG = "bench-relay"
RECEIPT_RE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FETCH = {"X-Tasuki-Fetch": "1"}

SETUP_SNIPPET = """
from tests.factories import open_campaign
campaign = open_campaign(slug={slug!r})
print("campaign", campaign.slug, "periods", campaign.periods.count())
"""

EPISODE = (
    "At 35 km my legs gave up. I had trained for a year, and still the last seven kilometres "
    "felt like a wall. A stranger in a blue cap, a volunteer from the water station, saw me "
    "stop and walked with me for a whole kilometre, talking about her own first marathon, "
    "the one she never finished. She left me at the 36 km sign with a paper cup and a smile. "
)


# --- small helpers -------------------------------------------------------------------------


def small_jpeg() -> bytes:
    """A valid 64 × 48 JPEG: what a bot uploads in the abuse phase."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: int) -> float:
    """The p-th percentile (inclusive method); NaN for an empty list."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def ms(values: list[float]) -> str:
    if not values:
        return "n/a (no successful requests)"
    return (
        f"p50 {pct(values, 50) * 1000:7.0f} ms   p95 {pct(values, 95) * 1000:7.0f} ms   "
        f"p99 {pct(values, 99) * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms   "
        f"(n={len(values)})"
    )


def say(*parts: object) -> None:
    print(*parts, flush=True)


def entry_form(i: int, phase: str, key: str, altcha: str, csrf: str) -> dict[str, str | list]:
    """A complete, valid entry form submission (the fields of tests.factories.entry_data)."""
    return {
        "csrfmiddlewaretoken": csrf,
        "submission_key": key,
        "language": "en",
        "resonated_story": "The volunteer at the 30 km water station.",
        "resonated_km": "30",
        "appeal": "The whole city comes out to cheer.",
        "episode": EPISODE * 3 + f"(entry {phase}-{i})",
        "wishes": "More benches at the finish for the families.",
        "tagline": "a 42 km thank-you letter",
        "title": f"The kilometre I did not run alone #{i}",
        "pen_name": "Blue Cap",
        "role": "runner",
        "country": "GB",
        "real_name": "Alex Example",
        "email": f"bench-{phase}-{i}@example.com",
        "instagram_handle": "@alex_runs",
        "x_handle": "",
        "age_group": "adult",
        "guardian_name": "",
        "accept_terms": "on",
        "website": "",
        "altcha": altcha,
    }


def make_photo(path: Path) -> dict:
    """A 4032×3024 phone-like JPEG (gradient + sensor-like noise, EXIF with GPS), 3-4 MB."""
    from PIL import Image, ImageChops

    width, height = 4032, 3024
    gx = Image.linear_gradient("L").resize((width, height))
    gy = gx.transpose(Image.Transpose.ROTATE_90).resize((width, height))
    gxy = ImageChops.multiply(gx, gy)
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 15"  # Model
    exif[0x0112] = 1  # Orientation
    exif[0x0132] = "2026:11:25 09:41:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (35.0, 41.0, 22.2)
    gps[3], gps[4] = "E", (139.0, 41.0, 30.1)
    for sigma in (8, 7, 9, 6, 10, 5):
        channels = [
            ImageChops.add(g, Image.effect_noise((width, height), sigma), offset=-128)
            for g in (gx, gy, gxy)
        ]
        buffer = io.BytesIO()
        Image.merge("RGB", channels).save(buffer, "JPEG", quality=92, exif=exif)
        data = buffer.getvalue()
        if 3_000_000 <= len(data) <= 4_000_000:
            break
    else:
        raise RuntimeError(f"could not make a 3-4 MB photo (last one was {len(data)} bytes)")
    path.write_bytes(data)
    with Image.open(path) as check:
        has_gps = bool(check.getexif().get_ifd(0x8825))
    return {"bytes": len(data), "size": f"{width}x{height}", "quality": 92, "gps": has_gps}


# --- the SMTP server -----------------------------------------------------------------------


@dataclass
class Mailbox:
    """Keeps (arrival time, subject, recipient) of every mail it is sent."""

    mails: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.mails.append((time.time(), str(message["Subject"]), ",".join(envelope.rcpt_tos)))
        return "250 OK"


# --- processes ------------------------------------------------------------------------------


class Processes:
    """Subprocesses this script started; all are stopped by :meth:`stop_all`."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = self.logdir / f"{name}.log"
        self.logs[name] = log
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, close_fds=True
            )
        self.running[name] = proc
        return proc

    def stop(self, name: str) -> None:
        proc = self.running.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    return found


def cpu_by_role(procs: Processes) -> dict[str, float]:
    """CPU seconds used so far by the web server, the task worker(s) and PostgreSQL."""
    usage: dict[str, float] = collections.defaultdict(float)
    for name, proc in procs.running.items():
        role = "web" if name.startswith("gunicorn") else "worker"
        usage[role] += sum(_cpu_seconds(p) for p in _descendants(proc.pid))
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() == "postgres":
                usage["postgres"] += _cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError):
            pass
    return usage


def report_cpu(before: dict[str, float], after: dict[str, float], res: dict) -> None:
    """CPU per accepted entry in each part of the system during one phase.

    The server side counts from the client's start, so it includes serving each
    entry's proof-of-work challenge (fetched before the timed part), as a real
    entrant's visit does; the load client's figure is its timed part only.
    """
    acked = len({r for _, _, r, _ in res["acked"]}) or 1
    parts = {role: after.get(role, 0.0) - before.get(role, 0.0) for role in after}
    parts["load client"] = res["client_cpu_timed"]
    say(
        "  CPU per accepted entry: "
        + ", ".join(f"{role} {sec * 1000 / acked:.1f} ms" for role, sec in parts.items())
        + f" (machine: {os.cpu_count()} cores = {2 * 1000 * res['wall'] / acked:.1f} ms "
        "of CPU per entry available)"
    )


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def run_manage(args: list[str], env: dict) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


# --- database -------------------------------------------------------------------------------


def pg_admin(sql_text, *params):
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(sql_text, params or None)


def recreate_database(name: str) -> None:
    from psycopg import sql

    pg_admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    pg_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    from psycopg import sql

    pg_admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def query(dbname: str, sql_text: str, *params) -> list[tuple]:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={dbname}") as conn:
        return conn.execute(sql_text, params or None).fetchall()


# --- the load client (runs in its own process) -----------------------------------------------


@dataclass
class ClientSpec:
    mode: str  # "bare", "text" or "photo"
    base_url: str
    entries: int
    concurrency: int
    retry_share: float
    photo_path: str = ""
    seed: int = 1
    #: For the "abuse" mode: solutions already spent on accepted entries.
    spent: tuple[str, ...] = ()


def run_client(spec: ClientSpec) -> dict:
    """Entry point of the client process: returns plain data for the parent."""
    return asyncio.run(_client(spec))


async def _solve(client, sem) -> str:
    from altcha import solve_challenge
    from altcha.v2 import Challenge

    async with sem:
        response = await client.get("/altcha/challenge/")
    response.raise_for_status()
    challenge = Challenge.from_dict(response.json())
    solution = solve_challenge(challenge)
    payload = {"challenge": challenge.to_dict(), "solution": solution.to_dict()}
    return base64.b64encode(json.dumps(payload).encode()).decode()


async def _client(spec: ClientSpec) -> dict:
    import httpx

    cpu0 = time.process_time()
    rng = random.Random(spec.seed)
    n, c = spec.entries, spec.concurrency
    limits = httpx.Limits(max_connections=2 * c + 4, max_keepalive_connections=2 * c + 4)
    out: dict = {
        "mode": spec.mode,
        "upload": [],
        "submit": [],
        "submit_first": [],
        "e2e": [],
        "errors": collections.Counter(),
        "acked": [],  # (entry index, submission key, receipt, answer time epoch)
        "retries": [],  # (entry index, kind, receipts seen, same?)
        "requests": 0,
        "altcha_sent": 0,
        "abuse": collections.defaultdict(lambda: [0, 0]),  # what: [tried, got through]
    }
    async with httpx.AsyncClient(
        base_url=spec.base_url, limits=limits, timeout=httpx.Timeout(120.0)
    ) as client:
        # --- untimed preparation --------------------------------------------------------
        sem = asyncio.Semaphore(c)

        async def warm(path: str) -> None:
            async with sem:
                await client.get(path)

        await asyncio.gather(*(warm("/healthz") for _ in range(4 * c)))
        csrf = ""
        altchas: list[str] = []
        photo = b""
        prep0 = time.perf_counter()
        if spec.mode != "bare":
            page = await client.get(f"/en/{SLUG}/enter/")
            page.raise_for_status()
            found = CSRF_RE.search(page.text)
            if not found or "csrftoken" not in client.cookies:
                raise RuntimeError("the form page gave no CSRF token")
            csrf = found.group(1)
            await asyncio.gather(*(warm(f"/en/{SLUG}/enter/") for _ in range(2 * c)))
            if spec.mode != "abuse":
                altchas = await asyncio.gather(*(_solve(client, sem) for _ in range(n)))
        out["prep_seconds"] = time.perf_counter() - prep0
        if spec.mode == "photo":
            photo = Path(spec.photo_path).read_bytes()
        retry_idx = rng.sample(range(n), round(n * spec.retry_share)) if spec.mode != "bare" else []
        retry_kind = {
            i: ("double-click" if k % 2 == 0 else "retry-after-answer")
            for k, i in enumerate(sorted(retry_idx))
        }

        # --- timed part ---------------------------------------------------------------------
        async def submit(form: dict, first: bool) -> str | None:
            t = time.perf_counter()
            out["requests"] += 1
            try:
                response = await client.post(f"/en/{SLUG}/enter/", data=form, headers=FETCH)
            except httpx.HTTPError as exc:
                out["errors"][f"submit: {type(exc).__name__}"] += 1
                return None
            elapsed = time.perf_counter() - t
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code == 200 and body.get("ok") and body.get("receipt"):
                out["submit"].append(elapsed)
                if first:
                    out["submit_first"].append(elapsed)
                return body["receipt"]
            detail = body.get("field") or (body.get("message") or response.text)[:60]
            out["errors"][f"submit: HTTP {response.status_code} {detail}"] += 1
            return None

        async def upload(i: int, key: str) -> str | None:
            t = time.perf_counter()
            out["requests"] += 1
            try:
                response = await client.post(
                    f"/en/{SLUG}/enter/photos/",
                    data={"submission_key": key, "csrfmiddlewaretoken": csrf, "altcha": altchas[i]},
                    files={"photo": (f"IMG_{i:04d}.JPG", photo, "image/jpeg")},
                    headers=FETCH,
                )
            except httpx.HTTPError as exc:
                out["errors"][f"upload: {type(exc).__name__}"] += 1
                return None
            elapsed = time.perf_counter() - t
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code == 200 and body.get("ok"):
                out["upload"].append(elapsed)
                return body["token"]
            detail = body.get("code") or response.text[:60]
            out["errors"][f"upload: HTTP {response.status_code} {detail}"] += 1
            return None

        async def bare(i: int) -> None:
            form = entry_form(i, "bare", str(uuid.uuid4()), "", "")
            t = time.perf_counter()
            out["requests"] += 1
            try:
                response = await client.post("/bare/", data=form)
            except httpx.HTTPError as exc:
                out["errors"][f"bare: {type(exc).__name__}"] += 1
                return
            elapsed = time.perf_counter() - t
            if response.status_code == 200 and response.json().get("ok"):
                out["submit"].append(elapsed)
                out["submit_first"].append(elapsed)
                out["e2e"].append(elapsed)
                out["acked"].append((i, "", str(response.json()["id"]), time.time()))
            else:
                out["errors"][f"bare: HTTP {response.status_code}"] += 1

        async def entry(i: int) -> None:
            if spec.mode == "bare":
                await bare(i)
                return
            if spec.mode == "abuse":
                await abuse(i)
                return
            key = str(uuid.uuid4())
            t0 = time.perf_counter()
            form = entry_form(i, spec.mode, key, altchas[i], csrf)
            if spec.mode == "photo":
                token = await upload(i, key)
                if token is None:
                    return
                form["photo_tokens"] = [token]
            kind = retry_kind.get(i)
            out["altcha_sent"] += 1
            if kind == "double-click":
                receipts = list(await asyncio.gather(submit(form, True), submit(form, False)))
            elif kind == "retry-after-answer":
                receipts = [await submit(form, True)]
                receipts.append(await submit(form, False))
            else:
                receipts = [await submit(form, True)]
            got = [r for r in receipts if r]
            if kind:
                out["retries"].append((i, kind, receipts, len(got) == 2 and got[0] == got[1]))
            if got:
                out["e2e"].append(time.perf_counter() - t0)
                out["acked"].append((i, key, got[0], time.time()))

        async def abuse(i: int) -> None:
            """What a bot would try: spent solutions re-encoded, uploads without a proof."""
            spent = spec.spent[i % len(spec.spent)]
            for k, variant in enumerate(reencoded(spent)):
                form = entry_form(i * 10 + k, "abuse", str(uuid.uuid4()), variant, csrf)
                out["requests"] += 1
                response = await client.post(f"/en/{SLUG}/enter/", data=form, headers=FETCH)
                out["abuse"]["resent solution"][0] += 1
                if response.status_code == 200:
                    out["abuse"]["resent solution"][1] += 1
            tries = (("upload without proof", ""), ("upload with a spent proof", spent))
            for label, proof in tries:
                data = {"submission_key": str(uuid.uuid4()), "csrfmiddlewaretoken": csrf}
                if proof:
                    data["altcha"] = proof
                out["requests"] += 1
                response = await client.post(
                    f"/en/{SLUG}/enter/photos/",
                    data=data,
                    files={"photo": ("x.jpg", photo or small_jpeg(), "image/jpeg")},
                    headers=FETCH,
                )
                out["abuse"][label][0] += 1
                if response.status_code == 200:
                    out["abuse"][label][1] += 1

        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(n):
            queue.put_nowait(i)

        async def slot() -> None:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await entry(i)

        start = time.perf_counter()
        cpu_timed0 = time.process_time()
        await asyncio.gather(*(slot() for _ in range(c)))
        out["wall"] = time.perf_counter() - start
        out["client_cpu_timed"] = time.process_time() - cpu_timed0
    out["client_cpu_total"] = time.process_time() - cpu0
    out["errors"] = dict(out["errors"])
    out["abuse"] = dict(out["abuse"])
    out["spent"] = list(altchas[:50])
    return out


def reencoded(payload: str) -> list[str]:
    """The same solved challenge written three other ways (key order, spacing, padding)."""
    decoded = json.loads(base64.b64decode(payload))
    reordered = json.dumps(dict(reversed(list(decoded.items()))))
    spaced = json.dumps(decoded, indent=2)
    return [
        base64.b64encode(reordered.encode()).decode(),
        base64.b64encode(spaced.encode()).decode(),
        base64.b64encode(json.dumps(decoded).encode()).decode().rstrip("=") or payload,
    ]


def client_in_process(spec: ClientSpec, timeout: float) -> dict:
    """Run the load client in a separate (spawned) process and wait for its figures."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(run_client, spec).result(timeout=timeout)


# --- reporting ---------------------------------------------------------------------------------


def report_phase(title: str, res: dict) -> None:
    acked = len({r for _, _, r, _ in res["acked"]})
    say(f"\n== {title} ==")
    say(
        f"  wall {res['wall']:.2f} s, {res['requests']} requests "
        f"({res['requests'] / res['wall']:.1f} req/s), accepted {acked} "
        f"-> {acked / res['wall']:.1f} accepted/s"
    )
    if res["mode"] == "photo":
        say(f"  photo upload   {ms(res['upload'])}")
    label = "insert" if res["mode"] == "bare" else "submit"
    say(f"  {label} (all)   {ms(res['submit'])}")
    if res["mode"] != "bare":
        say(f"  submit (first) {ms(res['submit_first'])}")
        say(f"  end-to-end     {ms(res['e2e'])}")
    errors = res["errors"]
    say(f"  errors: {sum(errors.values())}" + ("" if not errors else f" {errors}"))
    if res["retries"]:
        same = sum(1 for *_, ok in res["retries"] if ok)
        kinds = collections.Counter(k for _, k, _, _ in res["retries"])
        say(
            f"  retried submits: {len(res['retries'])} ({dict(kinds)}); "
            f"same receipt on both answers: {same}/{len(res['retries'])}"
        )
        for i, kind, receipts, ok in res["retries"]:
            if not ok:
                verdict = "NO RECEIPT" if not any(receipts) else "NOT THE SAME"
                say(f"    entry {i} ({kind}): answers {receipts}  <-- {verdict}")
    say(
        f"  client CPU during the timed part: {res['client_cpu_timed']:.1f} s "
        f"of {res['wall']:.1f} s wall "
        f"({100 * res['client_cpu_timed'] / res['wall']:.0f}% of a core)"
    )


def server_errors(procs: Processes) -> collections.Counter:
    """Error log lines and exception lines in the server logs, counted by kind."""
    kinds: collections.Counter = collections.Counter()
    exception = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning)): (.*)$")
    logged = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) (\S+) (.*)$")
    for name, path in procs.logs.items():
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            if found := logged.match(line.strip()):
                kinds[f"{name}: {found[1]} {found[2]}: {found[3][:90]}"] += 1
            elif found := exception.match(line.strip()):
                kinds[f"{name}: raised {found[1]}: {found[2][:110]}"] += 1
    return kinds


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Load-test the entry submission path (photo upload + submit) against a real "
            "gunicorn + db_worker + PostgreSQL + SMTP setup on 127.0.0.1, compare its "
            "text-only throughput with a bare Django insert, and check for zero loss. "
            "Prints its figures and exits 0 when the run completed (see docs/benchmarks.md)."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--entries",
        type=int,
        default=1000,
        help="entries (N) in the baseline and text phases (enough for the first requests' "
        "warm-up in each web process not to weigh on the figures)",
    )
    parser.add_argument(
        "--photo-entries",
        type=int,
        default=200,
        help="entries in the photo phase (0 skips it)",
    )
    parser.add_argument("--concurrency", type=int, default=20, help="entries in flight (C)")
    parser.add_argument(
        "--retry-share",
        type=float,
        default=0.10,
        help="share of entries whose submit is sent twice with the same submission key",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=420,
        help="seconds to wait for the task worker to finish photo renditions and mail",
    )
    parser.add_argument("--task-workers", type=int, default=1, help="manage.py db_worker processes")
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help=(
            "run the task worker(s) under `nice -n` this value, as the Procfile does "
            "(0: same priority as the web)"
        ),
    )
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/15",
        help=(
            "CACHE_URL of the server (rate limits, proof-of-work bookkeeping): Redis as "
            "production runs it, or dbcache://tasuki_cache for the no-Redis default"
        ),
    )
    parser.add_argument("--db-name", default="tasuki_bench", help="database to (re)create")
    parser.add_argument(
        "--skip-baseline", action="store_true", help="skip the bare-insert and text-only phases"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database and the temporary directory (logs, photos) afterwards",
    )
    args = parser.parse_args(argv)
    if (
        args.photo_entries < 0
        or min(args.entries, args.concurrency, args.task_workers, args.workers, args.threads) < 1
    ):
        parser.error("--entries, --concurrency, --task-workers, --workers, --threads must be >= 1")
    if not 0 <= args.retry_share <= 1 or not 0 <= args.worker_nice <= 19:
        parser.error("--retry-share must be within 0..1 and --worker-nice within 0..19")
    return args


def base_env(args, tmp: Path, smtp_port: int, web_port: int) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASUKI_", "ALTCHA_", "DJANGO_", "PRIVATE_"))
        and k not in {"DATABASE_URL", "EMAIL_URL", "CACHE_URL", "SITE_URL", "DEBUG", "PYTHONPATH"}
    }
    env.update(
        {
            "TASUKI_MODE": "development",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db_name}",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "CACHE_URL": args.cache_url,
            "SITE_URL": f"http://127.0.0.1:{web_port}",
            "TASUKI_VAR_DIR": str(tmp / "var"),
            "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
            "PRIVATE_STORAGE_OPTIONS": json.dumps({"location": str(tmp / "private")}),
            "ALTCHA_COST": "10",
            "ALTCHA_KEY_PREFIX": "0",
            "TASUKI_RATE_SUBMIT_IP": "1000000/h",
            "TASUKI_RATE_SUBMIT_EMAIL": "1000000/h",
            "TASUKI_RATE_UPLOAD_IP": "1000000/h",
            "TASUKI_RATE_SUBMIT_FAILURES_IP": "1000000/h",
            "TASUKI_UPLOAD_BYTES_PER_HOUR": str(10**13),
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def gunicorn_cmd(args, port: int) -> list[str]:
    return [
        GUNICORN,
        "tasuki.wsgi",
        "--pythonpath",
        "src",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--timeout",
        "120",
        "--keep-alive",
        "5",
    ]


def redis_client(cache_url: str):
    """A client for the Redis database of ``cache_url``, or None when the cache is not Redis."""
    if not cache_url.startswith(("redis://", "rediss://")):
        return None
    import redis

    return redis.Redis.from_url(cache_url)


def cache_census(args) -> tuple[str, int]:
    """Where the cache lives and how many keys it holds."""
    client = redis_client(args.cache_url)
    if client is not None:
        return "Redis", sum(1 for _ in client.scan_iter(count=1000))
    return "database table", query(args.db_name, "SELECT count(*) FROM tasuki_cache")[0][0]


def tasks_table(dbname: str):
    """django-tasks-db's result table (its name depends on the app label's version)."""
    from psycopg import sql

    rows = query(
        dbname,
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_name LIKE %s",
        "django_tasks%dbtaskresult",
    )
    if len(rows) != 1:
        raise RuntimeError(f"cannot tell which table holds the tasks: {rows}")
    return sql.Identifier(rows[0][0])


def drain(dbname: str, timeout: float) -> tuple[bool, dict, float]:
    from psycopg import sql

    table = tasks_table(dbname)
    started = time.monotonic()
    last_print = 0.0
    counts: dict = {}
    while True:
        rows = query(dbname, sql.SQL("SELECT status, count(*) FROM {} GROUP BY 1").format(table))
        counts = dict(rows)
        pending = counts.get("READY", 0) + counts.get("RUNNING", 0)
        waited = time.monotonic() - started
        if pending == 0:
            return True, counts, waited
        if waited > timeout:
            return False, counts, waited
        if waited - last_print >= 15:
            say(f"  … {pending} tasks still queued or running after {waited:.0f} s")
            last_print = waited
        time.sleep(1)


def check_zero_loss(dbname: str, phases: dict[str, dict], mailbox: Mailbox, tmp: Path) -> bool:
    """Compare what the clients were told with what the database and the mailbox hold."""
    acked: dict[str, set[str]] = {
        m: {r for _, _, r, _ in res["acked"]} for m, res in phases.items()
    }
    keys_of: dict[str, set[str]] = collections.defaultdict(set)  # receipt -> submission keys
    for res in phases.values():
        for _, key, receipt, _ in res["acked"]:
            keys_of[receipt].add(key)
    all_acked = set().union(*acked.values()) if acked else set()
    rows = query(dbname, "SELECT receipt, submission_key::text FROM entries_entry")
    db_receipts = [r for r, _ in rows]
    db_keys = [k for _, k in rows]
    dup_keys = query(
        dbname,
        "SELECT submission_key, count(*) FROM entries_entry GROUP BY 1 HAVING count(*) > 1",
    )
    key_by_receipt = dict(rows)
    keys_match = all(
        len(keys) == 1 and key_by_receipt.get(r) in keys for r, keys in keys_of.items()
    )
    say("\n== zero loss ==")
    ok = True

    def line(label: str, good: bool, detail: str) -> None:
        nonlocal ok
        ok &= good
        say(f"  [{'ok' if good else 'FAIL'}] {label}: {detail}")

    line(
        "entries == distinct acknowledged receipts",
        len(db_receipts) == len(all_acked),
        f"{len(db_receipts)} entries, {len(all_acked)} receipts acknowledged",
    )
    line(
        "receipts in the database == acknowledged receipts",
        set(db_receipts) == all_acked,
        f"{len(all_acked - set(db_receipts))} acknowledged but missing, "
        f"{len(set(db_receipts) - all_acked)} in the database but never acknowledged",
    )
    line(
        "no duplicate submission keys",
        not dup_keys and len(set(db_keys)) == len(db_keys) and keys_match,
        f"{len(dup_keys)} duplicated in the database; each receipt answered for exactly one "
        f"key: {keys_match}",
    )
    if "photo" in phases:
        photo_acked = acked["photo"]
        photos = query(
            dbname,
            "SELECT e.receipt, p.status, p.renditions, p.original, p.full_size "
            "FROM entries_entry e JOIN entries_photo p ON p.entry_id = e.id",
        )
        by_receipt = collections.defaultdict(list)
        uploads_kept = full_missing = 0
        for receipt, status, renditions, original, full_size in photos:
            by_receipt[receipt].append((status, renditions or {}))
            # Once processed, only a metadata-free full-size copy stays: no upload as sent.
            uploads_kept += bool(original) and (tmp / "private" / original).exists()
            full_missing += not full_size or not (tmp / "private" / full_size).exists()
        one_each = all(len(by_receipt.get(r, [])) == 1 for r in photo_acked)
        statuses = collections.Counter(s for r in photo_acked for s, _ in by_receipt.get(r, []))
        missing_files = 0
        complete = 0
        for r in photo_acked:
            for status, renditions in by_receipt.get(r, []):
                paths = [v[f] for v in renditions.values() for f in ("webp", "jpeg") if v.get(f)]
                missing_files += sum(1 for p in paths if not (tmp / "private" / p).exists())
                if status == "ready" and len(renditions) == 3 and len(paths) == 6:
                    complete += 1
        orphans = query(dbname, "SELECT count(*) FROM entries_photo WHERE entry_id IS NULL")[0][0]
        line(
            "every photo entry has its one photo attached",
            one_each,
            f"{sum(1 for r in photo_acked if len(by_receipt.get(r, [])) == 1)}"
            f"/{len(photo_acked)}; uploads never attached: {orphans}",
        )
        line(
            "every photo 'ready' with renditions on disk",
            complete == len(photo_acked) and missing_files == 0,
            f"{complete}/{len(photo_acked)} ready with 3 widths × (webp, jpeg); "
            f"statuses {dict(statuses)}; rendition files missing: {missing_files}",
        )
        line(
            "no upload kept as sent, a metadata-free full-size copy instead",
            uploads_kept == 0 and full_missing == 0,
            f"uploads still stored: {uploads_kept}; full-size copies missing: {full_missing}",
        )
    with mailbox.lock:
        mails = list(mailbox.mails)
    mail_receipts = collections.Counter(
        m.group(0) for _, subject, _ in mails if (m := RECEIPT_RE.search(subject))
    )
    dup_mails = sum(1 for c in mail_receipts.values() if c > 1)
    outbox = dict(query(dbname, "SELECT status, count(*) FROM mail_outboxmessage GROUP BY 1"))
    line(
        "confirmation mails received == entries",
        len(mails) == len(db_receipts) and set(mail_receipts) == set(db_receipts) and not dup_mails,
        f"{len(mails)} mails for {len(db_receipts)} entries; receipts without a mail: "
        f"{len(set(db_receipts) - set(mail_receipts))}; receipts mailed twice: {dup_mails}; "
        f"outbox {outbox}",
    )
    say(
        f"\nZERO LOSS: {'yes' if ok else 'no'} ({len(db_receipts)} entries, "
        f"{len(all_acked)} acknowledged receipts, {len(mails)} confirmation mails)"
    )
    return ok


def mail_delays(phases: dict[str, dict], mailbox: Mailbox) -> None:
    answered = {r: t for res in phases.values() for _, _, r, t in res["acked"]}
    with mailbox.lock:
        mails = list(mailbox.mails)
    delays = collections.defaultdict(list)
    mode_of = {r: m for m, res in phases.items() for _, _, r, _ in res["acked"]}
    for arrived, subject, _ in mails:
        found = RECEIPT_RE.search(subject)
        if found and found.group(0) in answered:
            delays[mode_of[found.group(0)]].append(arrived - answered[found.group(0)])
    for mode, values in delays.items():
        say(f"  receipt answer -> mail arrives ({mode}): {ms(values)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run_started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="tasuki-bench-"))
    procs = Processes(tmp)
    controller = None
    created_db = False

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        from aiosmtpd.controller import Controller

        say(f"Tasuki entry submission load test — {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
        say(f"  machine: {os.cpu_count()} CPUs; work directory {tmp}")
        say(
            f"  N={args.entries} baseline and text entries, M={args.photo_entries} photo entries, "
            f"C={args.concurrency} in flight, "
            f"retry share {args.retry_share:.0%}"
        )

        # 1. database
        t = time.monotonic()
        recreate_database(args.db_name)
        created_db = True
        mailbox = Mailbox()
        smtp_port, web_port = free_port(), free_port()
        env = base_env(args, tmp, smtp_port, web_port)
        run_manage(["migrate", "--no-input", "-v", "0"], env)
        run_manage(["createcachetable"], env)
        if (client := redis_client(args.cache_url)) is not None:
            client.flushdb()  # the bench's own Redis database: start from nothing
        run_manage(["shell", "-c", SETUP_SNIPPET.format(slug=SLUG)], env)
        query(args.db_name, "SELECT 1")
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port=5432 user=postgres dbname={args.db_name}"
        ) as conn:
            conn.execute(
                "CREATE TABLE bench_bare (id serial PRIMARY KEY, body text, created timestamptz)"
            )
        pg_version = query(args.db_name, "SHOW server_version")[0][0]
        say(
            f"  database {args.db_name} on PostgreSQL {pg_version} "
            f"ready in {time.monotonic() - t:.1f} s"
        )

        photo_path = tmp / "IMG_phone.jpg"
        info = make_photo(photo_path)
        say(
            f"  photo: {info['size']} JPEG q{info['quality']}, {info['bytes'] / 1e6:.2f} MB, "
            f"EXIF GPS {'present' if info['gps'] else 'MISSING'}"
        )

        # 2. SMTP
        controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()

        say("\nConfiguration")
        say("  web:    " + " ".join(gunicorn_cmd(args, web_port)).replace(str(ROOT) + "/", ""))
        worker_cmd = [PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "0.2",
                      "--no-startup-delay"]  # fmt: skip
        if args.worker_nice:
            worker_cmd = ["nice", "-n", str(args.worker_nice), *worker_cmd]
        say(
            "  worker: "
            + " ".join(worker_cmd).replace(PYTHON, "python")
            + f" ({args.task_workers} process{'es' if args.task_workers > 1 else ''})"
        )
        shown = [
            "TASUKI_MODE", "DEBUG", "DATABASE_URL", "EMAIL_URL", "CACHE_URL", "ALTCHA_COST",
            "ALTCHA_KEY_PREFIX", "TASUKI_RATE_SUBMIT_IP", "TASUKI_RATE_SUBMIT_EMAIL",
            "TASUKI_RATE_UPLOAD_IP", "PRIVATE_STORAGE_OPTIONS",
        ]  # fmt: skip
        for k in shown:
            say(f"  {k}={env[k]}")
        say(
            "  ALTCHA: cost 10 so that the server's share (verification) is what is measured; "
            "the proof of work is the entrant's cost, paid in the browser. Each entry gets "
            "its own challenge, fetched and solved by the client process BEFORE the timed part."
        )
        say(
            "  CSRF: the client GETs the form page once (cookie + form token) before the "
            "timed part and reuses them."
        )

        client_timeout = 600.0
        phases: dict[str, dict] = {}

        # 3. baseline: a bare insert behind the same gunicorn configuration
        if not args.skip_baseline:
            bare_env = {**env, "TASUKI_URLCONF": "bench.bare_urls"}
            bare_port = free_port()
            web = procs.start("gunicorn-bare", gunicorn_cmd(args, bare_port), bare_env)
            wait_http(f"http://127.0.0.1:{bare_port}/healthz", web)
            cpu_before = cpu_by_role(procs)
            bare = client_in_process(
                ClientSpec("bare", f"http://127.0.0.1:{bare_port}", args.entries,
                           args.concurrency, 0.0),
                client_timeout,
            )  # fmt: skip
            cpu_after = cpu_by_role(procs)
            procs.stop("gunicorn-bare")
            report_phase("baseline: bare Django view, one INSERT (TASUKI_URLCONF=bench.bare_urls)",
                         bare)  # fmt: skip
            report_cpu(cpu_before, cpu_after, bare)
            rows = query(args.db_name, "SELECT count(*) FROM bench_bare")[0][0]
            say(f"  rows in bench_bare: {rows} (acknowledged: {len(bare['acked'])})")

        # 4. the product
        web = procs.start("gunicorn", gunicorn_cmd(args, web_port), env)
        for k in range(args.task_workers):
            procs.start(f"db_worker-{k + 1}", worker_cmd, env)
        wait_http(f"http://127.0.0.1:{web_port}/healthz", web)
        base_url = f"http://127.0.0.1:{web_port}"

        def timed_phase(title: str, spec: ClientSpec) -> dict:
            """Run one load phase; report its latencies and where its CPU went."""
            before = cpu_by_role(procs)
            result = client_in_process(spec, client_timeout)
            after = cpu_by_role(procs)
            phases[spec.mode] = result
            report_phase(title, result)
            report_cpu(before, after, result)
            return result

        if not args.skip_baseline:
            timed_phase(
                "Tasuki: text-only entries (final submit, no photo)",
                ClientSpec("text", base_url, args.entries, args.concurrency, args.retry_share,
                           seed=2),
            )  # fmt: skip
        if args.photo_entries:
            photo = timed_phase(
                "Tasuki: entries with one 3-4 MB photo (upload + submit)",
                ClientSpec("photo", base_url, args.photo_entries, args.concurrency,
                           args.retry_share, str(photo_path), seed=3),
            )  # fmt: skip

        # 4b. what a bot would try, with solutions the text phase spent
        spent = tuple(phases.get("text", {}).get("spent") or ())
        if spent:
            abuse = client_in_process(
                ClientSpec("abuse", base_url, len(spent), min(args.concurrency, len(spent)), 0,
                           spent=spent),
                client_timeout,
            )  # fmt: skip
            say("\n== abuse: spent solutions re-sent, uploads without a proof ==")
            for what, (tried, through) in sorted(abuse["abuse"].items()):
                say(f"  {what}: {through} of {tried} got through (target: none)")

        # 5. drain and check
        say("\n== background work ==")
        drained, counts, waited = drain(args.db_name, args.drain_timeout)
        say(
            f"  worker {'drained' if drained else 'NOT drained'} {waited:.0f} s after the "
            f"last answer; task rows by status: {counts}"
        )
        from psycopg import sql

        table = tasks_table(args.db_name)
        photo_tasks = query(
            args.db_name,
            sql.SQL(
                "SELECT count(*), extract(epoch FROM max(finished_at) - min(started_at)), "
                "avg(extract(epoch FROM finished_at - started_at)) "
                "FROM {} WHERE task_path LIKE %s AND status = 'SUCCESSFUL'"
            ).format(table),
            "%process_photo",
        )[0]
        if photo_tasks[0]:
            say(
                f"  photo renditions: {photo_tasks[0]} done in {float(photo_tasks[1]):.0f} s "
                f"({photo_tasks[0] / float(photo_tasks[1]):.2f}/s), "
                f"{float(photo_tasks[2]) * 1000:.0f} ms each on average "
                f"({args.task_workers} worker process{'es' if args.task_workers > 1 else ''})"
            )
        failed = query(
            args.db_name,
            sql.SQL(
                "SELECT task_path, exception_class_path, count(*) FROM {} "
                "WHERE status = 'FAILED' GROUP BY 1, 2"
            ).format(table),
        )
        for task_path, exc, count in failed:
            say(f"  FAILED tasks: {count} × {task_path}: {exc}")
        deadline = time.monotonic() + 10
        while drained and time.monotonic() < deadline:  # the last SMTP DATA may be in flight
            with mailbox.lock:
                if len(mailbox.mails) >= sum(len(r["acked"]) for r in phases.values()):
                    break
            time.sleep(0.2)
        mail_delays(phases, mailbox)
        used = sum(r["altcha_sent"] for r in phases.values())
        where, cache_rows = cache_census(args)
        proofs = query(args.db_name, "SELECT count(*) FROM entries_proofofwork")[0][0]
        say(
            f"  cache ({where}): {cache_rows} keys; proofs of work held: {proofs} for {used} "
            "solutions sent (each is one row until its challenge expires)"
        )
        zero_loss = check_zero_loss(args.db_name, phases, mailbox, tmp)

        # 6. the targets
        say("\n== targets ==")
        if "text" in phases and not args.skip_baseline:
            ours = len({r for *_, r, _ in phases["text"]["acked"]}) / phases["text"]["wall"]
            floor = len(bare["acked"]) / bare["wall"]
            ratio = ours / floor if floor else float("nan")
            say(
                f"  text-only throughput: {ours:.1f} entries/s = {ratio:.0%} of the bare insert "
                f"({floor:.1f}/s); target >= 50%: {'met' if ratio >= 0.5 else 'NOT met'}"
            )
        if "photo" in phases:
            p99 = pct(photo["submit"], 99)
            verdict = (
                "met" if p99 < 1 else "NOT met" if p99 == p99 else "NOT met (no entry accepted)"
            )
            say(
                f"  p99 submit latency with photos at {args.concurrency} concurrent: "
                f"{p99 * 1000:.0f} ms; target < 1 s: {verdict}"
            )
            say(
                f"  (p99 photo upload {pct(photo['upload'], 99) * 1000:.0f} ms, p99 end-to-end "
                f"{pct(photo['e2e'], 99) * 1000:.0f} ms)"
            )
        for mode, res in phases.items():
            accepted = len({r for *_, r, _ in res["acked"]})
            sent = args.photo_entries if mode == "photo" else args.entries
            say(
                f"  {mode} entries accepted: {accepted}/{sent}"
                + ("" if accepted == sent else "  <-- NOT ALL ACCEPTED (see errors)")
            )
        say(f"  zero loss (of what was acknowledged): {'yes' if zero_loss else 'no'}")
        errors = server_errors(procs)
        say(f"\n  server log: {sum(errors.values())} error/exception lines")
        for line, count in errors.most_common(12):
            say(f"    {count:5d} × {line}")
        say(f"\n  total run time {time.monotonic() - run_started:.0f} s")
    except KeyboardInterrupt:
        say("\ninterrupted; cleaning up")
        return 130
    finally:
        procs.stop_all()
        if controller is not None:
            controller.stop()
        if args.keep:
            say(f"kept database {args.db_name} and {tmp}")
        else:
            if created_db:
                try:
                    drop_database(args.db_name)
                except Exception as exc:  # cleanup must not hide the real error
                    say(f"could not drop {args.db_name}: {exc}")
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
