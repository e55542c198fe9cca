"""What people need, grouped so near-duplicates count together: the text helpers live in
``empathy_crm.text`` (below every app, so empathy maps' personas count with them too)."""

from __future__ import annotations

from empathy_crm.text import (
    MAX_PHRASE,
    SIMILAR,
    STOP_WORDS,
    Grouper,
    phrases,
    signature,
    similar,
)

__all__ = ["MAX_PHRASE", "SIMILAR", "STOP_WORDS", "Grouper", "phrases", "signature", "similar"]
