"""The random selection of RFC 3797 ("Publicly Verifiable Nominations Committee
(NomCom) Random Selection"), section 4, written from its description.

Standard library only, no Django: this module must read like the RFC.

The key string
    Every published value is written as a decimal number without leading zeros
    (a lone "0" when the whole part is zero). A whole number is followed by a
    period ("7."); a number with a fractional part is written with the period
    between the whole and the fractional part and no trailing zeros ("0.25").
    The values of one source are sorted numerically, smallest first, and
    concatenated, and the source ends with "/". Sources keep the order given.
    A value may be given as an int or as the text it was published in: "07"
    is the number 7 and is written "7.". Text that is not a non-negative
    decimal number is refused: the RFC's precise algorithm is defined for
    numbers, and a value whose written form is open to doubt would make the
    key string, and so the whole draw, disputable.

The selection
    For draw counter j = 0, 1, 2, ...: MD5 over the counter as two bytes
    (most significant first), the key string in ASCII, and the same two bytes.
    The 16-byte digest, read as an unsigned big-endian integer, is divided by
    the number of tickets still in the pool; the remainder is the 0-based
    index of the chosen ticket among those left, in their original order.
    That ticket is removed and the counter goes up by one.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right, insort
from decimal import Decimal

MAX_DRAWS = 1 << 16  # the counter is two bytes: 0 .. 65535

_NUMBER = re.compile(r"\s*(\d+)(?:\.(\d+))?\s*\Z", re.ASCII)

Value = int | str


def _canonical_value(value: Value) -> tuple[Decimal, str]:
    """The value's numeric sort key and its written form in the key string."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"a randomness value must be an integer or text, not {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a randomness value must not be negative: {value}")
        return Decimal(value), f"{value}."
    match = _NUMBER.match(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a published number: write it in decimal digits as published, "
            "for example '07' or '3141592653589793' (a fraction as '12.50')"
        )
    whole = str(int(match.group(1)))  # leading zeros go; a zero whole part stays "0"
    fraction = (match.group(2) or "").rstrip("0")
    if fraction:
        return Decimal(f"{whole}.{fraction}"), f"{whole}.{fraction}"
    return Decimal(whole), f"{whole}."


def key_string(sources: list[list[Value]]) -> str:
    """The RFC's canonical key string for these sources, in the order given."""
    if not isinstance(sources, list | tuple) or not sources:
        raise ValueError("at least one randomness source is needed")
    parts = []
    for number, source in enumerate(sources, start=1):
        if isinstance(source, str | int) or not source:
            raise ValueError(f"source {number} must be a non-empty list of values")
        written = sorted(_canonical_value(value) for value in source)
        parts.append("".join(text for _, text in written) + "/")
    return "".join(parts)


def _check_counts(pool_size: int, count: int) -> None:
    for name, number in (("pool_size", pool_size), ("count", count)):
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError(f"{name} must be an integer, not {number!r}")
        if number < 0:
            raise ValueError(f"{name} must not be negative: {number}")
    if count > MAX_DRAWS:
        raise ValueError(
            f"count {count} is too large: the RFC's two-byte counter allows {MAX_DRAWS} draws"
        )


def digest(counter: int, key: str) -> bytes:
    """MD5 of the two-byte counter, the key string and the counter again."""
    prefix = counter.to_bytes(2, "big")
    return hashlib.md5(prefix + key.encode("ascii") + prefix, usedforsecurity=False).digest()


def steps(pool_size: int, sources: list[list[Value]], count: int) -> list[dict]:
    """Each draw with its details: counter, md5 (hex), remaining, index, position.

    ``index`` is 0-based among the tickets still left; ``position`` is the
    1-based place of the chosen ticket in the original list. A count larger
    than the pool draws the whole pool.
    """
    _check_counts(pool_size, count)
    key = key_string(sources)
    taken: list[int] = []  # 1-based positions already drawn, kept sorted
    result = []
    for counter in range(min(count, pool_size)):
        remaining = pool_size - counter
        hashed = digest(counter, key)
        index = int.from_bytes(hashed, "big") % remaining
        position = _position_of(index, taken)
        insort(taken, position)
        result.append(
            {
                "counter": counter,
                "md5": hashed.hex(),
                "remaining": remaining,
                "index": index,
                "position": position,
            }
        )
    return result


def _position_of(index: int, taken: list[int]) -> int:
    """The 1-based original position of the ticket at ``index`` among those left.

    The answer p is the smallest position not taken with exactly ``index``
    free positions before it: p = index + 1 + (number of taken positions <= p).
    Starting from index + 1, add the taken positions that fall at or below the
    guess until the guess stops moving (at most len(taken) rounds).
    """
    position = index + 1
    below = 0
    while True:
        now_below = bisect_right(taken, position)
        if now_below == below:
            return position
        position += now_below - below
        below = now_below


def select(pool_size: int, sources: list[list[Value]], count: int) -> list[int]:
    """The 1-based positions drawn, in draw order."""
    return [step["position"] for step in steps(pool_size, sources, count)]
