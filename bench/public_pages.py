"""A cached story page against a static file of the same size, under one gunicorn.

Run by hand (the tests only run it with tiny numbers)::

    .venv/bin/python bench/public_pages.py        # 20 stories, 8 clients, 6 rounds of 5 s each
    .venv/bin/python bench/public_pages.py --help

What it does, in order:

1. makes a fresh folder with a SQLite database (or ``--database-url``),
   migrates it, creates the cache table, collects the static files and
   publishes ``--stories`` stories through the relay's own services (or loads
   the demo with ``--demo``), with production settings (``TASUKI_MODE=production``,
   ``DEBUG`` off, the manifest static storage, no TLS redirect on loopback);
2. starts gunicorn as the ``Procfile`` does (2 workers × 4 threads, gthread),
   asks for one story page and writes its exact bytes into ``STATIC_ROOT`` as
   a static file, then restarts gunicorn so that WhiteNoise serves that file
   too (it reads ``STATIC_ROOT`` when it starts);
3. warms both addresses on every connection, then, in ``--rounds`` rounds that
   alternate which goes first, sends GETs for ``--seconds`` seconds to each
   with ``--clients`` client processes, each on one keep-alive connection
   (``http.client``, loopback only);
4. prints, for each, the requests per second, p50 and p99 latency, the
   errors, the share of story answers that came from the cache (they carry an
   ``Age`` header) and gunicorn's CPU time per request (read from ``/proc``),
   then the ratios story / static; the issue's target is ≥ 0.8 for requests
   per second. Nothing is asserted: the figures go into ``docs/benchmarks.md``.

``--profile`` also runs both requests through the WSGI application in one
process, without a network, and prints the time per request and the functions
that cost most for each (cProfile), to show what a cached hit costs beyond a
static file.
"""

from __future__ import annotations

import argparse
import array
import cProfile
import http.client
import io
import json
import multiprocessing
import os
import pstats
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.submit_load import _cpu_seconds, _descendants, free_port, pct  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
SLUG = "bench-relay"
STATIC_NAME = "bench-story-copy.html"
#: A story's episode as long as a real one (the editor's limit is 6,000 characters).
EPISODE_EN = (
    "At 35 km my legs gave up. A volunteer from the water station walked beside me for a "
    "whole kilometre and talked about her own first marathon, the one she never finished. "
) * 12
EPISODE_JA = (
    "35キロで脚が止まりました。給水所のボランティアの方が1キロの間となりを歩き、"
    "完走できなかった自分の初マラソンの話をしてくれました。"
) * 12


def say(*parts: object) -> None:
    print(*parts, flush=True)


# --- the site's setup (run in a child process with the bench's environment) ------------------


def setup_site(stories: int, demo: bool) -> dict:
    """Publish stories (or load the demo) and return the address of one story page."""
    import django

    django.setup()
    from django.urls import reverse
    from django.utils import translation

    from tasuki.relay.models import Story

    if demo:
        from django.core.management import call_command

        call_command("load_demo", verbosity=0)
    else:
        from tests.factories import open_campaign
        from tests.relay.factories import editor, published_story

        campaign = open_campaign(slug=SLUG)
        by = editor("bench-editor")
        for i in range(stories):
            published_story(
                campaign,
                i,
                by=by,
                title=f"The kilometre I did not run alone ({i})",
                episode_en=EPISODE_EN,
                episode_ja=EPISODE_JA,
                lead_en="A stranger from the water station walked the 35th kilometre with me.",
                lead_ja="給水所で出会った人が、35キロ目を一緒に歩いてくれました。",
            )
    published = list(Story.objects.published().select_related("campaign").order_by("km"))
    if not published:
        raise SystemExit("No published story to measure: use --stories N or a demo with stories.")
    story = published[len(published) // 2]
    with translation.override("ja"):
        path = reverse("relay:story", args=[story.campaign.slug, story.slug])
    return {"path": path, "stories": len(published), "km": story.km_label}


# --- processes -------------------------------------------------------------------------------


@dataclass
class Site:
    env: dict
    port: int
    folder: Path
    proc: subprocess.Popen | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> None:
        subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True
        )

    def start(self, workers: int, threads: int) -> None:
        log = self.folder / f"gunicorn-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    GUNICORN,
                    "tasuki.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(workers),
                    "--threads",
                    str(threads),
                    "--timeout",
                    "60",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {log}:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def cpu_seconds(self) -> float:
        if self.proc is None:
            return 0.0
        return sum(_cpu_seconds(pid) for pid in _descendants(self.proc.pid))


def fetch(base: str, path: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(base + path, timeout=10) as answer:
        return answer.status, dict(answer.headers), answer.read()


# --- the load client -------------------------------------------------------------------------


def client(port: int, path: str, start_at: float, stop_at: float, warm: int) -> tuple:
    """One client on one keep-alive connection: GET ``path`` from ``start_at`` to ``stop_at``.

    Returns the latencies (as bytes of an ``array('d')``), the errors, and how
    many answers carried an ``Age`` header (a cached page).
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def get() -> tuple[int, bool]:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.getheader("Age") is not None

    for _ in range(warm):
        get()
    while time.monotonic() < start_at:
        time.sleep(0.001)
    latencies = array.array("d")
    errors = aged = 0
    while True:
        began = time.monotonic()
        if began >= stop_at:
            break
        try:
            status, has_age = get()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.monotonic() - began)
        if status != 200:
            errors += 1
        aged += has_age
    connection.close()
    return latencies.tobytes(), errors, aged


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    aged: int = 0
    cpu: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, p: int) -> float:
        return pct(self.latencies, p) * 1000

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.requests * 1000 if self.requests else float("nan")


def run_phase(site: Site, result: Result, path: str, clients: int, seconds: float, warm: int):
    start_at = time.monotonic() + 1.0 + warm * 0.002
    stop_at = start_at + seconds
    with multiprocessing.Pool(clients) as pool:
        pending = pool.starmap_async(client, [(site.port, path, start_at, stop_at, warm)] * clients)
        while time.monotonic() < start_at:
            time.sleep(0.001)
        cpu_before = site.cpu_seconds()
        outcomes = pending.get(timeout=seconds + 120)
        cpu_after = site.cpu_seconds()
    result.seconds += seconds
    result.cpu += cpu_after - cpu_before
    for raw, errors, aged in outcomes:
        values = array.array("d")
        values.frombytes(raw)
        result.latencies.extend(values)
        result.errors += errors
        result.aged += aged


# --- profile ---------------------------------------------------------------------------------


def profile_in_process(story_path: str, static_path: str, count: int, host: str) -> None:
    """Both requests through the WSGI application in this process: time and top costs."""
    from tasuki.wsgi import application

    def environ(path: str) -> dict:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": host.split(":")[0],
            "SERVER_PORT": host.split(":")[1],
            "HTTP_HOST": host,
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.file_wrapper": None,
        }

    def once(path: str) -> int:
        status = []
        body = application(environ(path), lambda s, h, *a: status.append(s))
        size = sum(len(chunk) for chunk in body)
        if hasattr(body, "close"):
            body.close()
        if not status[0].startswith("200"):
            raise RuntimeError(f"{path} answered {status[0]}")
        return size

    for path in (story_path, static_path):
        for _ in range(50):
            once(path)  # warm: the page is in this process's memory
    for name, path in (("story (cached)", story_path), ("static file", static_path)):
        began = time.perf_counter()
        for _ in range(count):
            once(path)
        each = (time.perf_counter() - began) / count * 1e6
        say(f"\n{name}: {each:.0f} µs per request in one process ({count} requests, no network)")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            once(path)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        say("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:4000])


# --- main ------------------------------------------------------------------------------------


def environment(folder: Path, port: int, database_url: str | None, cache_url: str | None) -> dict:
    env = {
        **os.environ,
        "TASUKI_MODE": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "TASUKI_VAR_DIR": str(folder),
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "EMAIL_URL": "consolemail://",
        "ALTCHA_COST": "10",
        "ALTCHA_KEY_PREFIX": "0",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "src"), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "tasuki.settings",
    }
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=20, help="stories to publish (0..42)")
    parser.add_argument("--demo", action="store_true", help="use the demo's stories instead")
    parser.add_argument(
        "--clients", type=int, default=8, help="client processes, one connection each"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=6, help="story + static phases, alternating")
    parser.add_argument("--warm", type=int, default=50, help="requests per client before timing")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (Procfile: 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (Procfile: 4)")
    parser.add_argument("--database-url", help="instead of a fresh SQLite file")
    parser.add_argument("--cache-url", help="CACHE_URL for the server (default: the database)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N requests of each in one process")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs, database)")
    parser.add_argument("--_setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_profile", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._setup:  # child process: the site's data, printed as JSON
        print(json.dumps(setup_site(args.stories, args.demo)))
        return 0
    if args._profile:  # child process: in-process profile
        import django

        django.setup()
        story_path, static_path, host = args._profile
        profile_in_process(story_path, static_path, args.profile, host)
        return 0

    folder = Path(tempfile.mkdtemp(prefix="tasuki-public-bench-"))
    port = free_port()
    env = environment(folder, port, args.database_url, args.cache_url)
    site = Site(env=env, port=port, folder=folder)
    try:
        say(f"Preparing a site in {folder} (production settings, port {port}) …")
        site.manage("migrate", "--no-input", "-v", "0")
        site.manage("createcachetable")
        site.manage("collectstatic", "--no-input", "-v", "0")
        setup_args = ["--_setup", "--stories", str(args.stories)] + (
            ["--demo"] if args.demo else []
        )
        made = subprocess.run(
            [PYTHON, __file__, *setup_args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if made.returncode != 0:
            raise SystemExit(f"preparing the stories failed:\n{made.stderr[-3000:]}")
        facts = json.loads(made.stdout.strip().splitlines()[-1])
        story_path = facts["path"]
        say(f"{facts['stories']} published stories; measuring km {facts['km']}: {story_path}")

        site.start(args.workers, args.threads)
        status, headers, body = fetch(site.base, story_path)
        if status != 200:
            raise SystemExit(f"the story page answered {status}")
        _, again, _ = fetch(site.base, story_path)
        if "Age" not in again:
            say("WARNING: the second answer for the story has no Age header: it was not cached.")
        site.stop()
        static_root = folder / "static"
        (static_root / STATIC_NAME).write_bytes(body)
        static_path = f"/static/{STATIC_NAME}"
        site.start(args.workers, args.threads)
        status, static_headers, static_body = fetch(site.base, static_path)
        if status != 200 or len(static_body) != len(body):
            raise SystemExit(f"the static copy answered {status} with {len(static_body)} bytes")
        say(
            f"story page {len(body):,} bytes ({headers.get('Content-Type')}); static copy "
            f"{len(static_body):,} bytes ({static_headers.get('Content-Type')})"
        )
        say(
            f"gunicorn: {args.workers} workers × {args.threads} threads (gthread); "
            f"{args.clients} clients on keep-alive connections; {args.rounds} rounds of "
            f"{args.seconds:g} s each; {os.cpu_count()} cores shared by server and clients"
        )

        story = Result("story (cached)")
        static = Result("static file")
        for i in range(args.rounds):
            order = [(story, story_path), (static, static_path)]
            for result, path in order if i % 2 == 0 else reversed(order):
                run_phase(site, result, path, args.clients, args.seconds, args.warm)
        say("")
        say(
            f"{'':16} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'errors':>6} {'cached':>7} {'CPU ms/req':>10}"
        )
        for result in (story, static):
            cached = f"{result.aged / result.requests:.0%}" if result.requests else "-"
            say(
                f"{result.name:16} {result.requests:9,} {result.rps:8.0f} {result.ms(50):7.2f} "
                f"{result.ms(99):7.2f} {result.errors:6} {cached:>7} {result.cpu_ms:10.3f}"
            )
        ratio = story.rps / static.rps if static.rps else float("nan")
        say("")
        say(f"ratio story / static, requests per second: {ratio:.2f} (target ≥ 0.8)")
        say(f"ratio static / story, p99 latency: {static.ms(99) / story.ms(99):.2f}")
        say(f"ratio static / story, server CPU per request: {static.cpu_ms / story.cpu_ms:.2f}")
        site.stop()
        if args.profile:
            subprocess.run(
                [PYTHON, __file__, "--profile", str(args.profile), "--_profile",
                 story_path, static_path, f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                check=True,
            )  # fmt: skip
    finally:
        site.stop()
        if args.keep:
            say(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
