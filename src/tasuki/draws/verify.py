"""Check a published draw (``draw.json``) from its data alone.

    python -m tasuki.draws.verify draw.json
    python verify.py draw.json          # this file copied anywhere; Python 3.9+

Standard library only, and on purpose it does not use Tasuki's own selection
code: it is a second, independent implementation of RFC 3797's algorithm.
Prints ``VALID`` (exit 0), or ``INVALID: ...`` naming the first thing that
differs (exit 1); a file that cannot be read or is not this format exits 2.

The format, "tasuki-draw/1" (one JSON object):

    format   "tasuki-draw/1"
    pool     {"tickets": [ticket, ...], "sha256": hex}
             tickets: the frozen list in its published order (position 1 first);
             sha256: of the tickets one per line, UTF-8, each line ending in "\\n"
    sources  [{"name": text, "values": [text, ...]}, ...]
             each value as published, e.g. "07"; sources in the agreed order
    key      the RFC 3797 key string made from the sources
    count    how many were to be drawn (winners and alternates together)
    steps    [{"counter", "md5", "remaining", "index", "position", "ticket"}, ...]
             one per draw, min(count, number of tickets) of them, in draw order

How the key string is made (RFC 3797, section 4): each value is written in
decimal without leading zeros (a lone 0 if the whole part is zero); a whole
number is followed by "."; a number with a fraction keeps its "." between the
parts and loses trailing zeros of the fraction. The values of a source are
sorted numerically, joined, and followed by "/".

How each step is made: for counter j = 0, 1, ...: md5 = MD5(j as 2 bytes,
big-endian + key in ASCII + j as 2 bytes); remaining = tickets not yet drawn;
index = (md5 as a 128-bit big-endian number) mod remaining, counted from 0
among the tickets not yet drawn in list order; that ticket (at 1-based
"position" of the full list) is drawn.
"""

import hashlib
import json
import re
import sys
from decimal import Decimal

FORMAT = "tasuki-draw/1"


class Unreadable(Exception):
    """The file is not a draw document this verifier understands."""


def written_value(text):
    found = re.fullmatch(r"\s*([0-9]+)(?:\.([0-9]+))?\s*", str(text))
    if not found:
        raise Unreadable(f"source value {text!r} is not a decimal number")
    whole = found.group(1).lstrip("0") or "0"
    fraction = (found.group(2) or "").rstrip("0")
    if fraction:
        return Decimal(whole + "." + fraction), whole + "." + fraction
    return Decimal(whole), whole + "."


def make_key(sources):
    key = ""
    for source in sources:
        values = sorted(written_value(v) for v in source["values"])
        key += "".join(written for _, written in values) + "/"
    return key


def draw(number_of_tickets, key, how_many):
    """Yield (counter, md5 hex, remaining, index, position) for each draw."""
    drawn = []  # 1-based positions already drawn
    for counter in range(min(how_many, number_of_tickets)):
        two_bytes = bytes([counter // 256, counter % 256])
        md5 = hashlib.md5(
            two_bytes + key.encode("ascii") + two_bytes, usedforsecurity=False
        ).hexdigest()
        remaining = number_of_tickets - counter
        index = int(md5, 16) % remaining
        # walk up from index + 1, stepping over each drawn position at or below it
        position = index + 1
        for taken in sorted(drawn):
            if taken <= position:
                position += 1
        drawn.append(position)
        yield counter, md5, remaining, index, position


def load(path):
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise Unreadable(f"cannot read {path}: {error}") from error
    try:
        if doc["format"] != FORMAT:
            raise Unreadable(f"format is {doc['format']!r}, expected {FORMAT!r}")
        tickets = doc["pool"]["tickets"]
        ok = isinstance(tickets, list) and all(isinstance(t, str) for t in tickets)
        ok = ok and isinstance(doc["pool"]["sha256"], str) and isinstance(doc["key"], str)
        ok = ok and isinstance(doc["count"], int) and isinstance(doc["steps"], list)
        ok = ok and all(isinstance(s["values"], list) and s["values"] for s in doc["sources"])
        ok = ok and len(doc["sources"]) > 0 and doc["count"] >= 0
        ok = ok and all(isinstance(step, dict) for step in doc["steps"])
    except (KeyError, TypeError) as error:
        raise Unreadable(f"not a {FORMAT} document (missing or wrong: {error})") from error
    if not ok:
        raise Unreadable(f"not a {FORMAT} document (a field has the wrong type)")
    return doc


def check(doc):
    """None if the document is right, else a sentence naming the first difference."""
    tickets = doc["pool"]["tickets"]
    pool_bytes = "".join(ticket + "\n" for ticket in tickets).encode("utf-8")
    pool_hash = hashlib.sha256(pool_bytes).hexdigest()
    if pool_hash != doc["pool"]["sha256"]:
        return f"the pool's SHA-256 is {pool_hash}, the file says {doc['pool']['sha256']}"
    key = make_key(doc["sources"])
    if key != doc["key"]:
        return f"the key string from the sources is {key!r}, the file says {doc['key']!r}"
    expected = list(draw(len(tickets), key, doc["count"]))
    for number, (counter, md5, remaining, index, position) in enumerate(expected, start=1):
        if number > len(doc["steps"]):
            return f"step {number} (counter {counter}) is missing from the file"
        step = doc["steps"][number - 1]
        right = {
            "counter": counter,
            "md5": md5,
            "remaining": remaining,
            "index": index,
            "position": position,
            "ticket": tickets[position - 1],
        }
        for field, value in right.items():
            if step.get(field) != value:
                said = step.get(field, "nothing")
                return (
                    f"step {number} (counter {counter}): {field} is {value}, the file says {said}"
                )
    if len(doc["steps"]) > len(expected):
        return f"the file has {len(doc['steps'])} steps, the draw has only {len(expected)}"
    return None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python verify.py draw.json", file=sys.stderr)
        return 2
    try:
        difference = check(load(argv[0]))
    except Unreadable as error:
        print(f"UNREADABLE: {error}", file=sys.stderr)
        return 2
    if difference:
        print(f"INVALID: {difference}")
        return 1
    print("VALID")
    return 0


if __name__ == "__main__":
    sys.exit(main())
