"""The same story sent twice, and the same entrant sending many.

``duplicate``: a near-duplicate of an earlier entry of the same campaign — the
same story re-sent with typos fixed, a sentence added or removed, another
title. Two different stories about the same race are not duplicates even when
they share its landmarks and its stock phrases (応援ありがとう, "thank you to
all the volunteers").

How texts are compared
----------------------
The answers are normalised (:func:`text.normalize`: NFKC, case folding,
invisible characters dropped) with hiragana written as katakana, then cut into
*units*: a run of Latin letters or digits is one unit (an English word, a
number), and every other letter (kana, kanji, hangul…) is one unit by itself.
Punctuation, spaces and emoji are left out, so re-punctuating or re-spacing a
story changes nothing. A *shingle* is a run of units weighing 3, where a word
weighs 1.5 and a character 1: three characters of Japanese (about one word:
a typo fix changes three shingles out of hundreds) or two words of English
(three-word shingles made one edit cost too much: an edited 100-word story fell
to 0.56; two-word ones keep it at 0.6–0.8 while different stories stay under
0.1). Mixed texts work the same way, without guessing a language. Measured on
the hand-written stories of ``tests/review/checks/test_duplicate.py``: re-sent
copies (a sentence dropped, one added, a typo, a word changed) score 0.60–0.78
in English and 0.80–0.82 in Japanese; different stories about the same race
(same river, bridge, 30 km mark, "thank you to all the volunteers",
応援ありがとうございました) at most 0.08 in English and 0.11 in Japanese.

The Jaccard similarity of two shingle sets is estimated with a MinHash of 128
permutations (datasketch, ``affine32`` scheme, seed 1: stable across processes
and releases, so stored signatures stay comparable). Candidates are found with
locality-sensitive hashing: 32 bands of 4 rows; two texts share a band with
probability 1 − (1 − J⁴)³², 0.87 at J = 0.5 and 0.99 at J = 0.6, while a pair
at J = 0.1 (different stories of one race) shares one with probability 0.003,
which keeps the candidates of a 100,000-entry campaign few. Each candidate
is then verified: similar when the similarity reaches ``threshold`` (0.5), or
when the shorter text is almost wholly inside the longer one (containment ≥
0.85 with J ≥ 0.35: a story re-sent with a paragraph added). Texts of fewer
than ``min_shingles`` (10) shingles — a line of thanks, a test post — are never
compared: stock phrases would make them look alike; shorter ones than 60
shingles need ``short_threshold`` (0.55). (At first 30 and 0.65: that missed
every re-sent English story of two or three sentences in the labelled sets,
whose 15–30 words give 14–29 shingles.)

Two modes
---------
For ``check_texts`` (``session.persistent`` false) a ``MinHashLSH`` and the
shingle sets live in ``session.state``; candidates are verified exactly, so
its bands are more sensitive (42 of 3 rows: 0.94 at J = 0.4). For
entries, the signature is stored in ``TextFingerprint`` and its bands in
``FingerprintBand`` (bucket = the first 8 bytes of BLAKE2b of the band's
values, as a signed 64-bit integer); candidates are the entries of the campaign
that share a (band, bucket) and arrived earlier, found through the
``(campaign, band, bucket)`` index, so one check costs a few indexed lookups
whatever the campaign's size.

``repeat_entrant`` (entries only): other entries of the campaign with the same
e-mail digest, or with the same connection digest and another e-mail address.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from django.utils.translation import gettext_noop

from tasuki.review.checks.base import Check, Document, Finding, Session, Severity
from tasuki.review.checks.text import normalize

NUM_PERM = 128
BANDS = 32
ROWS = 4
#: In memory every candidate is verified exactly and cheaply, so the bands can
#: be more sensitive: 42 bands of 3 rows find J = 0.4 with probability 0.94.
MEMORY_BANDS = (42, 3)
SEED = 1
SCHEME = "affine32"
#: A shingle is units weighing this much: 2 words or 3 Japanese characters.
SHINGLE_WEIGHT = 3.0
WORD_WEIGHT = 1.5
#: Fields that are not the story (an entrant's pen name is theirs on every entry).
IGNORED_FIELDS = frozenset({"pen_name"})
#: Longest text compared, in normalised characters: beyond the answers' limits
#: (about 7,500 characters in all), so only pasted junk is cut.
MAX_CHARS = 20_000

_UNIT = re.compile(r"[a-z0-9\u00c0-\u024f]+(?:['’][a-z]+)?|[^\W\d_a-z\u00c0-\u024f]")

_permutations_lock = threading.Lock()
_permutations: Any = None


def _template() -> Any:
    """The MinHash permutations, made once per process (making them is the slow part)."""
    global _permutations
    with _permutations_lock:
        if _permutations is None:
            _permutations = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
        return _permutations


def story_text(fields: Mapping[str, str]) -> str:
    """The answers that make up the story, one per line."""
    return "\n".join(
        value for name, value in fields.items() if name not in IGNORED_FIELDS and value
    )


def units(text: str) -> list[str]:
    """Words of Latin script and digits, and single characters of every other script."""
    folded = normalize(text[: MAX_CHARS * 2]).folded[:MAX_CHARS]
    return _UNIT.findall(folded)


def _weight(unit: str) -> float:
    """A word of Latin script (or a number) weighs more than one Japanese character."""
    return WORD_WEIGHT if unit.isascii() or len(unit) > 1 else 1.0


def shingles(text: str) -> set[str]:
    """The set of shingles of ``text``: runs of consecutive units weighing
    :data:`SHINGLE_WEIGHT` (two words, three Japanese characters, or a word
    and two characters)."""
    items = units(text)
    weights = [_weight(unit) for unit in items]
    out = set()
    for start in range(len(items)):
        total, stop = 0.0, start
        while stop < len(items) and total < SHINGLE_WEIGHT:
            total += weights[stop]
            stop += 1
        if total < SHINGLE_WEIGHT:
            break
        out.add(" ".join(items[start:stop]))
    # Each word of Latin script is a shingle on its own too: a re-sent English
    # story with a respelt word (kilometre → kilometer), a number written out
    # or its sentences reordered loses two word pairs per edit but keeps most
    # of its words, while two different stories share few words beyond the
    # commonest. (Not Japanese characters: any two stories share most of those.)
    out.update(f"w:{unit}" for unit in items if _weight(unit) == WORD_WEIGHT and len(unit) > 2)
    if not out and items:
        out.add(" ".join(items))
    return out


def signature(shingle_set: Iterable[str]) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` unsigned 64-bit values) of a set of shingles."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_template())
    minhash.update_batch([s.encode("utf-8") for s in shingle_set])
    return np.asarray(minhash.hashvalues, dtype=np.uint64)


def pack(values: np.ndarray) -> bytes:
    return values.astype("<u8").tobytes()


def unpack(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u8").astype(np.uint64)


def bands(values: np.ndarray) -> list[int]:
    """The bucket of each LSH band: a stable signed 64-bit hash of its rows."""
    raw = values.astype("<u8")
    out = []
    for band in range(BANDS):
        digest = hashlib.blake2b(
            raw[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8
        ).digest()
        out.append(int.from_bytes(digest, "little", signed=True))
    return out


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


class DuplicateCheck(Check):
    """A near-duplicate of an earlier entry (or line) of the same campaign."""

    codes = ("duplicate",)

    REASON = gettext_noop(
        "This story is very similar (%(percent)s %% alike) to an earlier entry of this campaign."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.threshold = float(options.get("threshold", 0.5))
        self.short_threshold = float(options.get("short_threshold", 0.55))
        self.short_shingles = int(options.get("short_shingles", 60))
        self.min_shingles = int(options.get("min_shingles", 10))
        self.containment = float(options.get("containment", 0.85))
        self.containment_floor = float(options.get("containment_floor", 0.35))
        #: Candidates verified per entry at most (those sharing the most bands).
        self.max_candidates = int(options.get("max_candidates", 200))

    # --- deciding -------------------------------------------------------------------

    def similar(self, jaccard: float, size_a: int, size_b: int) -> bool:
        """Whether two texts of ``size_a`` and ``size_b`` shingles with this
        similarity are the same story."""
        smaller = min(size_a, size_b)
        if smaller < self.min_shingles:
            return False
        needed = self.threshold if smaller >= self.short_shingles else self.short_threshold
        if jaccard >= needed:
            return True
        # |A ∩ B| from J and the sizes; the shorter one almost wholly inside the longer.
        shared = jaccard * (size_a + size_b) / (1 + jaccard)
        return (
            smaller >= self.short_shingles
            and jaccard >= self.containment_floor
            and shared / smaller >= self.containment
        )

    def finding(self, other: Any, jaccard: float) -> Finding:
        return Finding(
            code="duplicate",
            severity=Severity.MEDIUM,
            reason=self.REASON,
            params={"percent": round(jaccard * 100)},
            duplicate_of=other,
            similarity=jaccard,
        )

    def check(self, document: Document, session: Session) -> Iterable[Finding]:
        shingle_set = shingles(story_text(document.fields))
        if session.persistent and document.entry is not None:
            return self._check_stored(document, shingle_set)
        return self._check_in_memory(document, session, shingle_set)

    # --- check_texts: in memory ---------------------------------------------------------

    def _memory(self, session: Session) -> dict[str, Any]:
        state = session.state.get("duplicate")
        if state is None:
            state = session.state["duplicate"] = {
                "lsh": MinHashLSH(num_perm=NUM_PERM, params=MEMORY_BANDS),
                "items": {},  # key → (ref, shingle set)
                "keys": {},  # ref → keys
                "next": 0,
            }
        return state

    def _check_in_memory(
        self, document: Document, session: Session, shingle_set: set[str]
    ) -> list[Finding]:
        if len(shingle_set) < self.min_shingles:
            return []
        state = self._memory(session)
        minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_template())
        minhash.update_batch([s.encode("utf-8") for s in shingle_set])
        best: tuple[float, int] | None = None
        for key in state["lsh"].query(minhash):
            other_set = state["items"][key][1]
            union = len(shingle_set | other_set)
            jaccard = len(shingle_set & other_set) / union if union else 0.0
            # The most alike; of equally alike ones, the first (the original).
            if self.similar(jaccard, len(shingle_set), len(other_set)) and (
                best is None or (jaccard, -key) > best
            ):
                best = (jaccard, -key)
        key = state["next"]
        state["next"] += 1
        state["lsh"].insert(key, minhash, check_duplication=False)
        state["items"][key] = (document.ref, frozenset(shingle_set))
        state["keys"].setdefault(document.ref, []).append(key)
        if best is None:
            return []
        return [self.finding(state["items"][-best[1]][0], best[0])]

    def forget(self, ref: Any, session: Session) -> None:
        state = session.state.get("duplicate")
        if not state:
            return
        for key in state["keys"].pop(ref, []):
            state["lsh"].remove(key)
            state["items"].pop(key, None)

    # --- entries: stored fingerprints ---------------------------------------------------

    def _check_stored(self, document: Document, shingle_set: set[str]) -> list[Finding]:
        from django.db import transaction
        from django.db.models import Q

        from tasuki.entries.models import Entry, EntryStatus
        from tasuki.review.check_models import FingerprintBand, TextFingerprint

        entry = document.entry
        campaign_id = document.campaign_id or entry.campaign_id
        size = len(shingle_set)
        values = signature(shingle_set) if shingle_set else np.zeros(NUM_PERM, dtype=np.uint64)
        buckets = bands(values) if size >= self.min_shingles else []
        with transaction.atomic():
            TextFingerprint.objects.update_or_create(
                entry=entry,
                defaults={"campaign_id": campaign_id, "signature": pack(values), "shingles": size},
            )
            FingerprintBand.objects.filter(entry=entry).delete()
            FingerprintBand.objects.bulk_create(
                FingerprintBand(campaign_id=campaign_id, entry=entry, band=band, bucket=bucket)
                for band, bucket in enumerate(buckets)
            )
        if not buckets:
            return []
        # Each term names the campaign, the band and the bucket, so that the
        # database answers every term from the (campaign, band, bucket) index
        # (SQLite's OR optimisation and PostgreSQL's BitmapOr need that).
        shares_a_band = Q()
        for band, bucket in enumerate(buckets):
            shares_a_band |= Q(campaign_id=campaign_id, band=band, bucket=bucket)
        shared = Counter(
            FingerprintBand.objects.filter(shares_a_band)
            .exclude(entry_id=entry.pk)
            .values_list("entry_id", flat=True)
        )
        if not shared:
            return []
        # The most alike first (most bands in common), earlier ones only, and at
        # most ``max_candidates`` of them verified.
        ranked = sorted(shared, key=lambda pk: (-shared[pk], pk))[: self.max_candidates * 5]
        earlier = Q(submitted_at__lt=entry.submitted_at) | Q(
            submitted_at=entry.submitted_at, pk__lt=entry.pk
        )
        allowed = set(
            Entry.objects.filter(earlier, pk__in=ranked)
            .exclude(status=EntryStatus.WITHDRAWN)
            .values_list("pk", flat=True)
        )
        candidates = [pk for pk in ranked if pk in allowed][: self.max_candidates]
        if not candidates:
            return []
        best: tuple[float, int] | None = None
        stored = TextFingerprint.objects.filter(entry_id__in=candidates).values_list(
            "entry_id", "signature", "shingles"
        )
        for other_id, other_signature, other_size in stored:
            jaccard = estimated_jaccard(values, unpack(other_signature))
            # The most alike; of equally alike ones, the first to arrive (the original).
            if self.similar(jaccard, size, other_size) and (
                best is None or (jaccard, -other_id) > best
            ):
                best = (jaccard, -other_id)
        if best is None:
            return []
        return [self.finding(-best[1], best[0])]


class RepeatEntrantCheck(Check):
    """Other entries of the campaign from the same e-mail address or connection."""

    codes = ("repeat_entrant",)

    SAME_EMAIL = gettext_noop("This entrant has sent %(count)s other entries to this campaign.")
    SAME_CONNECTION = gettext_noop(
        "This entry was sent from the same connection as %(count)s entries with other "
        "e-mail addresses; they may come from one person, or from a shared network "
        "(mobile networks and offices share addresses)."
    )

    def check(self, document: Document, session: Session) -> Iterable[Finding]:
        if not session.persistent or document.entry is None:
            return []
        from django.db.models import Q

        from tasuki.entries.models import EntrantDetails, Entry, EntryStatus

        entry = document.entry
        campaign_id = document.campaign_id or entry.campaign_id
        email_digest = document.email_digest
        connection_digest = document.connection_digest
        if not email_digest or not connection_digest:
            details = (
                EntrantDetails.objects.filter(entry=entry)
                .values_list("email_digest", "ip_digest")
                .first()
            )
            if details:
                email_digest = email_digest or details[0]
                connection_digest = connection_digest or details[1]
        others = (
            Entry.objects.filter(campaign_id=campaign_id)
            .exclude(pk=entry.pk)
            .exclude(status=EntryStatus.WITHDRAWN)
        )
        earlier = Q(submitted_at__lt=entry.submitted_at) | Q(
            submitted_at=entry.submitted_at, pk__lt=entry.pk
        )
        findings = []
        if email_digest:
            same = others.filter(details__email_digest=email_digest)
            findings += self._repeat(same, self.SAME_EMAIL, earlier)
        if connection_digest:
            same = others.filter(details__ip_digest=connection_digest)
            if email_digest:
                same = same.exclude(details__email_digest=email_digest)
            findings += self._repeat(same, self.SAME_CONNECTION, earlier)
        return findings

    def _repeat(self, same, reason: str, earlier) -> list[Finding]:
        """One finding naming how many other entries ``same`` holds, if any."""
        count = same.count()
        if not count:
            return []
        return [
            Finding(
                code="repeat_entrant",
                severity=Severity.LOW,
                reason=reason,
                params={"count": count},
                duplicate_of=self._nearest(same, earlier),
            )
        ]

    @staticmethod
    def _nearest(queryset, earlier) -> int | None:
        """The most recent earlier entry, or else the first later one."""
        before = (
            queryset.filter(earlier).order_by("-submitted_at", "-pk").values_list("pk", flat=True)
        )
        found = before.first()
        if found is None:
            found = queryset.order_by("submitted_at", "pk").values_list("pk", flat=True).first()
        return found
