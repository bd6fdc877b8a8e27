"""One Sudachi dictionary per process, one tokenizer per thread and split mode.

Loading the dictionary is the expensive part (about a second and tens of
megabytes), so search and the automatic checks share it; a Sudachi tokenizer
keeps state while it works, so each thread gets its own.
"""

from __future__ import annotations

import threading

from sudachipy import Dictionary, SplitMode

_local = threading.local()
_lock = threading.Lock()
_dictionary: Dictionary | None = None


def dictionary() -> Dictionary:
    global _dictionary
    with _lock:
        if _dictionary is None:
            _dictionary = Dictionary()
        return _dictionary


def tokenizer(mode: str = "A"):
    """This thread's tokenizer in split ``mode``: "A" (the shortest units), "B" or
    "C" (whole compounds)."""
    cache = getattr(_local, "tokenizers", None)
    if cache is None:
        cache = _local.tokenizers = {}
    if mode not in cache:
        cache[mode] = dictionary().tokenizer(mode=getattr(SplitMode, mode))
    return cache[mode]
