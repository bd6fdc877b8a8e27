"""bench/public_pages.py: its load client and figures, and one tiny end-to-end run
(which also proves that a story page is served from the public page cache)."""

from __future__ import annotations

import array
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.public_pages import Result, client, environment

ROOT = Path(__file__).resolve().parents[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn answers
    disable_nagle_algorithm = True  # headers and body go out as they are written

    def do_GET(self):
        status = 200 if self.path == "/ok" else 503
        body = b"x" * 100
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/ok":
            self.send_header("Age", "3")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_the_client_times_answers_and_counts_cached_ones_and_errors(server):
    start = time.monotonic() + 0.05
    raw, errors, aged = client(server, "/ok", start, start + 0.3, warm=3)
    latencies = array.array("d")
    latencies.frombytes(raw)
    assert len(latencies) > 10 and errors == 0
    assert aged == len(latencies)  # every answer carried Age
    assert all(0 < value < 1 for value in latencies)

    start = time.monotonic() + 0.05
    raw, errors, aged = client(server, "/down", start, start + 0.2, warm=0)
    assert errors > 0 and aged == 0  # a 503 is an error, never a cached page


def test_results_add_up():
    result = Result("story", seconds=2.0, latencies=[0.001] * 98 + [0.010, 0.020], cpu=0.05)
    assert result.requests == 100
    assert result.rps == 50
    assert result.ms(50) == pytest.approx(1.0)
    assert result.ms(99) > 9
    assert result.cpu_ms == pytest.approx(0.5)
    assert Result("none").rps == 0.0


def test_the_server_runs_with_production_settings(tmp_path):
    env = environment(tmp_path, 8123, None, None)
    assert env["TASUKI_MODE"] == "production" and env["DEBUG"] == "false"
    assert len(env["SECRET_KEY"]) >= 50
    assert env["SITE_URL"] == "http://127.0.0.1:8123"
    assert env["DATABASE_URL"].startswith("sqlite:///") and str(tmp_path) in env["DATABASE_URL"]


@pytest.mark.integration
def test_a_tiny_run_prints_the_table_with_every_story_answer_cached():
    command = "bench/public_pages.py --stories 2 --seconds 0.5 --rounds 1 --warm 2 --clients 2"
    done = subprocess.run(
        [sys.executable, *command.split(), "--workers", "1", "--threads", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "WARNING" not in out, out
    story = re.search(r"^story \(cached\)\s+([\d,]+)\s.*?\s(\d+)\s+(\d+)%", out, re.M)
    static = re.search(r"^static file\s+([\d,]+)\s", out, re.M)
    assert story and static, out
    assert int(story.group(1).replace(",", "")) > 0 and int(static.group(1).replace(",", "")) > 0
    assert story.group(2) == "0"  # no errors
    assert story.group(3) == "100"  # every story answer came from the cache
    assert re.search(r"ratio story / static, requests per second: \d+\.\d\d", out)
    sizes = re.search(r"story page ([\d,]+) bytes .* static copy ([\d,]+) bytes", out)
    assert sizes and sizes.group(1) == sizes.group(2)
