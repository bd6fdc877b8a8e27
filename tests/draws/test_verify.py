"""The standalone verifier: VALID for an honest draw.json, the first difference otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tasuki.draws import export

REPO = Path(__file__).resolve().parents[2]
VERIFY = REPO / "src" / "tasuki" / "draws" / "verify.py"
SOURCES = [
    {"name": "Lottery, draw 1234", "values": ["07", "12", "03", "41", "29", "18"]},
    {"name": "drand round 5000000", "values": ["98765432109876543210"]},
]


def ticket(n: int) -> str:
    return f"T{n:05d}"


@pytest.fixture
def document():
    return export.draw_document([ticket(n) for n in range(1, 101)], SOURCES, 30)


def run_module(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, "-m", "tasuki.draws.verify", str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_copy(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    copy = tmp_path / "elsewhere" / "verify.py"
    copy.parent.mkdir(exist_ok=True)
    shutil.copy(VERIFY, copy)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-I", str(copy), str(path)],
        cwd=copy.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(doc: dict, tmp_path: Path) -> Path:
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_document_has_the_promised_shape(document):
    assert document["format"] == "tasuki-draw/1"
    assert document["key"] == "3.7.12.18.29.41./98765432109876543210./"
    assert len(document["steps"]) == 30
    assert document["pool"]["sha256"] == export.pool_sha256(document["pool"]["tickets"])
    first = document["steps"][0]
    assert set(first) == {"counter", "md5", "remaining", "index", "position", "ticket"}
    assert first["ticket"] == ticket(first["position"])


def test_pool_hash_is_of_one_ticket_per_line():
    import hashlib

    assert export.pool_sha256(["a", "b"]) == hashlib.sha256(b"a\nb\n").hexdigest()
    with pytest.raises(ValueError):
        export.pool_sha256(["a\nb"])
    with pytest.raises(ValueError, match="twice"):
        export.draw_document(["a", "a"], SOURCES, 1)


def test_valid_through_the_module(document, tmp_path):
    result = run_module(write(document, tmp_path))
    assert (result.returncode, result.stdout.strip()) == (0, "VALID"), result.stderr


def test_valid_as_a_copied_file_in_isolated_mode(document, tmp_path):
    result = run_copy(write(document, tmp_path), tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "VALID"), result.stderr


def test_a_small_pool_drawn_whole_is_valid(tmp_path):
    doc = export.draw_document(["ひとり", "ふたり", "さんにん"], SOURCES, 30)
    assert len(doc["steps"]) == 3
    result = run_copy(write(doc, tmp_path), tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "VALID"), result.stderr


def tamper_pool(doc):
    doc["pool"]["tickets"][41] = "T99999"


def tamper_source(doc):
    doc["sources"][0]["values"][2] = "04"


def tamper_md5(doc):
    doc["steps"][1]["md5"] = "0" * 32


def tamper_swap(doc):
    a, b = doc["steps"][3], doc["steps"][4]
    a["position"], b["position"] = b["position"], a["position"]


def tamper_key(doc):
    doc["key"] = doc["key"].replace("3.7.", "3.8.")


def tamper_drop_step(doc):
    doc["steps"].pop()


def tamper_extra_step(doc):
    doc["steps"].append(dict(doc["steps"][-1]))


@pytest.mark.parametrize(
    "tamper, expected",
    [
        (tamper_pool, "INVALID: the pool's SHA-256 is "),
        (tamper_source, "INVALID: the key string from the sources is '4.7.12."),
        (tamper_md5, "INVALID: step 2 (counter 1): md5 is "),
        (tamper_swap, "INVALID: step 4 (counter 3): position is "),
        (tamper_key, "INVALID: the key string from the sources is '3.7.12."),
        (tamper_drop_step, "INVALID: step 30 (counter 29) is missing"),
        (tamper_extra_step, "INVALID: the file has 31 steps, the draw has only 30"),
    ],
)
def test_tampering_names_the_first_difference(document, tmp_path, tamper, expected):
    tamper(document)
    for result in (
        run_module(write(document, tmp_path)),
        run_copy(tmp_path / "draw.json", tmp_path),
    ):
        assert result.returncode == 1, result.stderr
        assert result.stdout.startswith(expected), result.stdout


def test_a_changed_md5_reports_both_values(document, tmp_path):
    right = document["steps"][1]["md5"]
    tamper_md5(document)
    result = run_copy(write(document, tmp_path), tmp_path)
    assert result.stdout.strip() == (
        f"INVALID: step 2 (counter 1): md5 is {right}, the file says {'0' * 32}"
    )


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        json.dumps([1, 2, 3]),
        json.dumps({"format": "something-else/9"}),
        json.dumps({"format": "tasuki-draw/1", "pool": {"tickets": "abc"}}),
    ],
)
def test_malformed_files_exit_2(tmp_path, content):
    path = tmp_path / "draw.json"
    path.write_text(content, encoding="utf-8")
    result = run_copy(path, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("UNREADABLE: ")


def test_a_missing_file_exits_2(tmp_path):
    result = run_module(tmp_path / "nowhere.json")
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_the_verifier_does_not_import_the_project():
    text = VERIFY.read_text(encoding="utf-8")
    assert "tasuki" not in text.replace("tasuki-draw/1", "").replace("tasuki.draws.verify", "")
