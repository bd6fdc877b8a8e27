#!/usr/bin/env python
"""Keep the Japanese catalogue in step with the code.

    python scripts/messages.py update   # extract strings, merge, compile
    python scripts/messages.py check    # fail if the catalogue is stale

`update` also fills in translations kept in ``var/translations/*.json`` (each a
``{"English msgid": "日本語"}`` object), so that several people working at once
can each keep their new strings' translations in a file of their own instead
of editing the one .po side by side. Both commands hold a lock on
``var/messages.lock``: `check` rewrites the .po while it works and puts it back.

`check` is what `make test` runs. It extracts the strings afresh and fails when
a string in the code is missing from the committed catalogue, when one is
untranslated or fuzzy, or when the committed .mo is not the compiled .po.
It leaves the committed .po byte for byte as it found it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "tasuki" / "locale" / "ja" / "LC_MESSAGES"
PO, MO = LOCALE / "django.po", LOCALE / "django.mo"
MANAGE = [sys.executable, str(ROOT / "manage.py")]
EXTRACT = [
    "makemessages",
    "-l",
    "ja",
    "--no-location",
    "--no-obsolete",
    "-i",
    ".venv/*",
    "-i",
    "tests/*",
    "-i",
    "bench/*",
    "-i",
    "var/*",
    "-i",
    "scripts/*",
]


def run(*args: str) -> None:
    subprocess.run(args, cwd=ROOT / "src" / "tasuki", check=True, stdout=subprocess.DEVNULL)


def key(entry) -> tuple:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


@contextlib.contextmanager
def locked():
    """One catalogue command at a time on this checkout."""
    path = ROOT / "var" / "messages.lock"
    path.parent.mkdir(exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def apply_translations() -> int:
    """Fill msgstr from var/translations/*.json; returns how many entries changed."""
    import polib

    files = sorted((ROOT / "var" / "translations").glob("*.json"))
    if not files:
        return 0
    wanted: dict[str, str] = {}
    for path in files:
        wanted.update(json.loads(path.read_text(encoding="utf-8")))
    catalogue = polib.pofile(str(PO), wrapwidth=0)
    changed = 0
    for entry in catalogue:
        text = wanted.get(entry.msgid)
        if text and entry.msgid_plural:  # Japanese has one plural form
            if entry.msgstr_plural.get(0) != text or "fuzzy" in entry.flags:
                entry.msgstr_plural = {0: text}
                entry.flags = [f for f in entry.flags if f != "fuzzy"]
                entry.previous_msgid = entry.previous_msgid_plural = None
                changed += 1
            continue
        if text and (entry.msgstr != text or "fuzzy" in entry.flags):
            entry.msgstr = text
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            changed += 1
    if changed:
        catalogue.save(str(PO))
    return changed


def update() -> int:
    run(*MANAGE, *EXTRACT)
    changed = apply_translations()
    if changed:
        print(f"filled {changed} translations from var/translations/")
    run("msgfmt", "--check-format", "-o", str(MO), str(PO))
    print(f"updated {PO.relative_to(ROOT)} and compiled {MO.relative_to(ROOT)}")
    return 0


def check() -> int:
    import polib

    committed = PO.read_bytes() if PO.exists() else b""
    times = (PO.stat().st_atime_ns, PO.stat().st_mtime_ns) if PO.exists() else None
    try:
        run(*MANAGE, *EXTRACT)
        fresh = polib.pofile(str(PO))
    finally:
        PO.write_bytes(committed)
        if times:  # untouched, to the clock too: the .mo must not look older than the .po
            os.utime(PO, ns=times)
    old = (
        {key(e) for e in polib.pofile(committed.decode()) if not e.obsolete} if committed else set()
    )
    problems = []
    missing = [k for k in (key(e) for e in fresh) if k not in old]
    gone = old - {key(e) for e in fresh}
    problems += [f"not in the catalogue: {k[1][:70]!r}" for k in missing]
    problems += [f"no longer in the code: {k[1][:70]!r}" for k in sorted(gone)]
    catalogue = polib.pofile(committed.decode()) if committed else []
    for e in catalogue:
        if e.obsolete:
            continue
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.msgid[:70]!r}")
        elif not e.translated():
            problems.append(f"untranslated: {e.msgid[:70]!r}")
    with tempfile.TemporaryDirectory() as tmp:
        compiled = Path(tmp) / "django.mo"
        subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(PO)], check=True)
        if not MO.exists() or compiled.read_bytes() != MO.read_bytes():
            problems.append("django.mo is not the compiled django.po")
    if problems:
        print("The Japanese catalogue is stale. Run `make messages`, translate, commit:")
        for line in problems[:40]:
            print("  -", line)
        if len(problems) > 40:
            print(f"  … and {len(problems) - 40} more")
        return 1
    print(f"catalogue up to date: {len(catalogue)} strings translated")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasuki.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    with locked():
        sys.exit({"update": update, "check": check}[command]())
