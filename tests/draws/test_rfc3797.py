"""RFC 3797 selection: the RFC's worked example (section 6) and its properties."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasuki.draws import rfc3797
from tasuki.draws.rfc3797 import key_string, select, steps

# RFC 3797, section 6: a pool of 25 volunteers and three public sources.
RFC_SOURCES = [[9319], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]
RFC_KEY = "9319./2.5.8.10.12./9.18.26.34.41.45./"
RFC_SELECTED = [17, 7, 2, 16, 25, 23, 8, 24, 19, 13]
# The MD5 values the RFC prints for the ten draws (counter 0 to 9).
RFC_MD5 = [
    "990DD0A5692A029A98B5E01AA28F3459",
    "3691E55CB63FCC37914430B2F70B5EC6",
    "FE814EDF564C190AC1D25753979990FA",
    "1863CCACEB568C31D7DDBDF1D4E91387",
    "F4AB33DF4889F0AF29C513905BE1D758",
    "13EAEB529F61ACFB9A29D0BA3A60DE4A",
    "992DB77C382CA2BDB9727001F3CDCCD9",
    "63AB4258ECA922976811C7F55C383CE7",
    "DFBC5AC97CED01B3A6E348E3CC63F40D",
    "31CB111C4A4EBE9287CEAE16FE51B909",
]


def test_the_rfc_key_string():
    assert key_string(RFC_SOURCES) == RFC_KEY


def test_the_rfc_selection_in_order():
    assert select(25, RFC_SOURCES, 10) == RFC_SELECTED


def test_the_rfc_steps_hash_by_hash():
    drawn = steps(25, RFC_SOURCES, 10)
    assert [s["counter"] for s in drawn] == list(range(10))
    assert [s["md5"].upper() for s in drawn] == RFC_MD5
    assert [s["remaining"] for s in drawn] == list(range(25, 15, -1))  # the RFC's "div"
    assert [s["position"] for s in drawn] == RFC_SELECTED
    # the first two remainders, checked by hand: 0x990D...59 mod 25 and 0x3691...C6 mod 24
    assert [s["index"] for s in drawn[:2]] == [16, 6]


def test_the_rfc_sources_as_published_text():
    as_text = [["9319"], ["02", "05", "12", "08", "10"], ["09", "18", "26", "34", "41", "45"]]
    assert key_string(as_text) == RFC_KEY
    assert select(25, as_text, 10) == RFC_SELECTED


def test_select_is_the_positions_of_steps():
    assert select(25, RFC_SOURCES, 25) == [s["position"] for s in steps(25, RFC_SOURCES, 25)]


# -- canonical key string ------------------------------------------------------------


def test_values_are_sorted_numerically_not_as_text():
    assert key_string([["10", "9", "100"]]) == "9.10.100./"


def test_leading_zeros_are_dropped_as_the_rfc_says():
    assert key_string([["007", "0"], ["000"]]) == "0.7./0./"
    assert key_string([["0042"]]) == key_string([[42]])


def test_fractions_keep_their_point_and_lose_trailing_zeros():
    # "a period separating the whole from the fractional part", no trailing zeros,
    # a single zero before the point when the whole part is zero
    assert key_string([["12.50", "00.25", "3.000"]]) == "0.253.12.5/"


def test_each_source_keeps_its_place():
    assert key_string([[2], [1]]) == "2./1./"
    assert key_string([[1], [2]]) == "1./2./"


@pytest.mark.parametrize(
    "sources, message",
    [
        ([], "at least one randomness source"),
        ([[]], "non-empty list"),
        ([[1], []], "source 2"),
        ([["twelve"]], "not a published number"),
        ([["-3"]], "not a published number"),
        ([[-3]], "must not be negative"),
        ([["1e5"]], "not a published number"),
        ([[True]], "integer or text"),
        ([[1.5]], "integer or text"),
        ([7], "non-empty list"),
    ],
)
def test_bad_sources_are_refused(sources, message):
    with pytest.raises(ValueError, match=message):
        key_string(sources)


@pytest.mark.parametrize(
    "pool, count, message",
    [
        (-1, 3, "pool_size must not be negative"),
        (10, -1, "count must not be negative"),
        (10, 65537, "two-byte counter"),
        (10.0, 3, "pool_size must be an integer"),
        (10, True, "count must be an integer"),
    ],
)
def test_bad_counts_are_refused(pool, count, message):
    with pytest.raises(ValueError, match=message):
        select(pool, RFC_SOURCES, count)


def test_empty_pool_and_zero_count_draw_nothing():
    assert select(0, RFC_SOURCES, 10) == []
    assert select(25, RFC_SOURCES, 0) == []


def test_more_prizes_than_tickets_draws_everyone():
    drawn = select(5, RFC_SOURCES, 30)
    assert sorted(drawn) == [1, 2, 3, 4, 5]


def test_a_million_tickets_is_quick():
    import time

    started = time.perf_counter()
    drawn = select(1_000_000, RFC_SOURCES, 30)
    assert time.perf_counter() - started < 0.1
    assert len(set(drawn)) == 30 and all(1 <= p <= 1_000_000 for p in drawn)


# -- properties ----------------------------------------------------------------------

values = st.one_of(
    st.integers(min_value=0, max_value=10**40),
    st.from_regex(r"[0-9]{1,12}", fullmatch=True),
)
sources_strategy = st.lists(st.lists(values, min_size=1, max_size=6), min_size=1, max_size=4)


def naive_select(pool_size, sources, count):
    """The RFC read literally: a list of the tickets left, pop by index."""
    key = key_string(sources).encode("ascii")
    left = list(range(1, pool_size + 1))
    chosen = []
    for counter in range(min(count, pool_size)):
        two = counter.to_bytes(2, "big")
        number = int.from_bytes(hashlib.md5(two + key + two, usedforsecurity=False).digest(), "big")
        chosen.append(left.pop(number % len(left)))
    return chosen


def buggy_select(pool_size, sources, count):
    """A known mistake: modulo the number of draws still to make, not the tickets left."""
    key = key_string(sources).encode("ascii")
    left = list(range(1, pool_size + 1))
    chosen = []
    draws = min(count, pool_size)
    for counter in range(draws):
        two = counter.to_bytes(2, "big")
        number = int.from_bytes(hashlib.md5(two + key + two, usedforsecurity=False).digest(), "big")
        chosen.append(left.pop(number % (draws - counter)))
    return chosen


@settings(max_examples=200, deadline=None)
@given(sources_strategy, st.integers(0, 300), st.integers(0, 60))
def test_a_prefix_of_a_permutation_and_the_same_as_the_literal_reading(sources, pool, count):
    drawn = select(pool, sources, count)
    assert len(drawn) == min(count, pool)
    assert len(set(drawn)) == len(drawn)
    assert all(1 <= p <= pool for p in drawn)
    assert drawn == naive_select(pool, sources, count)
    assert drawn == select(pool, sources, count)  # deterministic


@settings(max_examples=100, deadline=None)
@given(sources_strategy, st.integers(1, 200), st.integers(0, 20), st.integers(0, 20))
def test_drawing_more_extends_drawing_fewer(sources, pool, fewer, extra):
    assert select(pool, sources, fewer + extra)[:fewer] == select(pool, sources, fewer)


@settings(max_examples=100, deadline=None)
@given(sources_strategy, st.randoms(use_true_random=False))
def test_order_of_values_within_a_source_does_not_matter(sources, rng):
    shuffled = [rng.sample(source, len(source)) for source in sources]
    assert key_string(shuffled) == key_string(sources)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=6), st.integers(1, 4))
def test_leading_zeros_in_text_do_not_change_the_key(numbers, zeros):
    padded = ["0" * zeros + str(n) for n in numbers]
    assert key_string([padded]) == key_string([numbers])


def reachable(selector, pool, count, trials=400):
    seen = set()
    for trial in range(trials):
        seen.update(selector(pool, [[trial], [trial * 7 + 3]], count))
    return seen


@pytest.mark.parametrize("count", [1, 3])
def test_every_position_can_win(count):
    assert reachable(select, 12, count) == set(range(1, 13))


@pytest.mark.parametrize("count", [1, 3])
def test_control_the_buggy_variant_fails_the_reachability_check(count):
    # modulo the draws left, only the first `count` tickets can ever be drawn
    assert reachable(buggy_select, 12, count) == set(range(1, count + 1))
    assert reachable(buggy_select, 12, count) != set(range(1, 13))


def test_module_imports_no_django():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(rfc3797))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "hashlib", "re", "bisect", "decimal"}
