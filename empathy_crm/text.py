"""Pure text helpers shared by the apps: what people need, grouped so near-duplicates count
together (insights' topics, a persona's common entries).

A text (a conversation's questions, an engagement's why, a map entry) is split into phrases
(lines and sentences). A phrase's **signature** is its words, lower-cased, without filler and
stop words, reduced to their stems by the Snowball English stemmer (``snowballstemmer``, the
maintained Python port of Martin Porter's algorithms), without repeats, sorted: "How long
does onboarding really take?" and "how long will the onboarding take" both become
``long onboard take``. Phrases whose signatures match are one topic; a signature that shares
most of its stems with a topic's (Jaccard similarity at least ``SIMILAR``, or all of a
topic's two or more stems) joins that topic too. No model, no training: it works from the
first conversation, and there is no cap on how many topics there are.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

import snowballstemmer

SIMILAR = 0.75
MAX_PHRASE = 300

# Words that carry no topic: English stop words, and the fillers people say.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "lets",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "really",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "others",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "actually",
        "basically",
        "exactly",
        "still",
        "even",
        "also",
        "maybe",
        "perhaps",
        "quite",
        "rather",
        "somehow",
        "something",
        "anything",
        "everything",
        "thing",
        "things",
        "way",
        "ever",
        "much",
        "many",
        "lot",
        "lots",
        "us",
        "don't",
        "doesn't",
        "can't",
        "won't",
        "isn't",
        "aren't",
        "we're",
        "they're",
        "i'm",
        "it's",
        "that's",
        "what's",
    ]
)
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
PHRASE_END = re.compile(r"(?<=[?!.])\s+|\n+")

_stemmer = snowballstemmer.stemmer("english")


def phrases(text: str) -> list[str]:
    """The phrases of a text: its lines and sentences, trimmed, without empty ones."""
    parts = (part.strip(" \t-•*\"“”'") for part in PHRASE_END.split(text or ""))
    return [part[:MAX_PHRASE] for part in parts if len(part) > 2]


@lru_cache(maxsize=50_000)
def signature(phrase: str) -> str:
    """The phrase's stems, without stop words, sorted and joined by spaces ("" for none)."""
    words = [w for w in WORD.findall(phrase.lower().replace("’", "'")) if w not in STOP_WORDS]
    stems = {_stemmer.stemWord(w.split("'")[0]) for w in words}
    return " ".join(sorted(s for s in stems if len(s) > 1 or s.isdigit()))


def similar(a: frozenset, b: frozenset) -> bool:
    """Near-duplicates: most stems shared, or one's two or more stems all in the other."""
    if not a or not b:
        return False
    shared = len(a & b)
    if shared / len(a | b) >= SIMILAR:
        return True
    smaller = min(len(a), len(b))
    return smaller >= 2 and shared == smaller and smaller / max(len(a), len(b)) >= 0.5


class Grouper:
    """Assigns signatures to topics: an exact match first, else a near-duplicate among the
    topics sharing a stem (an index by stem keeps this fast however many topics there are),
    else a new topic. A group is (team id, need); ``topics`` holds (group, key) → topic id
    for the topics known so far."""

    def __init__(self, topics: dict[tuple, int]):
        self.by_stem: dict[tuple, set[tuple]] = defaultdict(set)
        self.ids = dict(topics)
        for group, key in topics:
            self._index(group, key)

    def _index(self, group: tuple, key: str) -> None:
        for stem in key.split():
            self.by_stem[group, stem].add((group, key))

    def find(self, group: tuple, sig: str) -> tuple | None:
        """The (group, key) of the topic ``sig`` belongs to, or None for a new one."""
        if (group, sig) in self.ids:
            return group, sig
        stems = frozenset(sig.split())
        candidates = set().union(*(self.by_stem.get((group, s), set()) for s in stems))
        best = None
        for candidate in sorted(candidates, key=lambda c: c[1]):
            other = frozenset(candidate[1].split())
            if similar(stems, other):
                score = len(stems & other) / len(stems | other)
                if best is None or score > best[0]:
                    best = (score, candidate)
        return best[1] if best else None

    def add(self, group: tuple, key: str, topic_id: int) -> None:
        self.ids[group, key] = topic_id
        self._index(group, key)
