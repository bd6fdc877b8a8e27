"""The import direction the architecture promises, and the security lint, both run
by `make lint`; here they also run with the suite, so a broken contract fails it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_contracts_say_what_the_architecture_says():
    named = contracts()
    core = named["core imports no other Tasuki app"]
    assert set(core["forbidden_modules"]) >= {"tasuki.campaigns", "tasuki.entries", "tasuki.mail"}
    mail = named["mail imports no other Tasuki app"]
    assert set(mail["forbidden_modules"]) >= {"tasuki.core", "tasuki.campaigns", "tasuki.entries"}
    assert named["campaigns does not import entries"]["forbidden_modules"] == ["tasuki.entries"]
    above, below = named["entries imports none of the apps built on it"]["layers"]
    for app in ("staff", "privacy", "draws", "relay", "review"):
        assert f"(tasuki.{app})" in above
    assert below == "tasuki.entries"


def test_import_contracts_are_kept():
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: [1-9]\d* kept, 0 broken", result.stdout)


def test_import_linter_catches_a_forbidden_import(tmp_path):
    """The contracts are not vacuous: the same check over a copy of core that imports
    campaigns fails."""
    import shutil

    package = tmp_path / "tasuki"
    shutil.copytree(ROOT / "src" / "tasuki" / "core", package / "core")
    shutil.copytree(ROOT / "src" / "tasuki" / "campaigns", package / "campaigns")
    (package / "__init__.py").write_text("")
    (package / "core" / "leak.py").write_text("from tasuki.campaigns import models\n")
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "tasuki"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "core imports no other Tasuki app"\ntype = "forbidden"\n'
        'source_modules = ["tasuki.core"]\nforbidden_modules = ["tasuki.campaigns"]\n'
    )
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache", "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "tasuki.core.leak -> tasuki.campaigns.models" in result.stdout


def test_bandit_finds_nothing_in_the_application_code():
    result = subprocess.run(
        [str(BIN / "bandit"), "-c", "pyproject.toml", "-r", "src", "-q", "-f", "txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_bandit_skips_are_written_down():
    """Every skipped check carries its reason in pyproject.toml, next to it."""
    text = (ROOT / "pyproject.toml").read_text()
    config = tomllib.loads(text)["tool"]["bandit"]
    for check in config.get("skips", []):
        assert re.search(rf"#.*{check}", text), f"no comment says why {check} is skipped"


def test_only_campaigns_knows_when_a_period_is_open():
    """ "Is it open now" is decided in one place (campaigns.models' lookups, used by
    campaigns.selectors.open_period_at / last_closed_before and EntryPeriod.is_open):
    no other module compares a moment with a period's bounds itself."""
    rule = re.compile(r"\b(opens_at__lte?|closes_at__gte?|closes_at__lte?)\b|\.opens_at <=")
    home = ROOT / "src" / "tasuki" / "campaigns" / "models.py"
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "src" / "tasuki").rglob("*.py")
        if path != home and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if rule.search(line)
    ]
    assert offenders == [], "use tasuki.campaigns.selectors.open_period_at: " + ", ".join(offenders)
