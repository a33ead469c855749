"""The plain texts a pattern's every match contains, and patterns found by them in one pass.

The reason rules are hundreds of regular expressions tried in order on one text. Most cannot
match: the plain words each needs are absent. ``required_texts`` reads a pattern's syntax tree
(the standard library's own parser) for a set of texts one of which every match contains
("spam|junk" needs "spam" or "junk"); ``PatternIndex`` finds which of all the texts a text
holds in one pass (an Aho-Corasick automaton, pyahocorasick) and tries only the patterns that
may match, in their order. ``CaseBlind`` searches a pattern whose letters match either case
as its lower-case self in the lower-cased text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import ahocorasick

from bounce_parser.mime import lowered

# the standard library's own regular expression parser (sre_parse before Python 3.11),
# which re.compile runs: its tree is what the pattern means, escapes and groups read
from re import _constants as _c  # type: ignore[attr-defined]  # isort: skip
from re import _parser  # type: ignore[attr-defined]  # isort: skip

MIN_TEXT = 3
"""A shorter text is found in nearly every notice: it would rule nothing out."""

Literals = tuple[str, ...]
"""Texts one of which every match contains; () when none is known (always tried)."""


def required_texts(pattern: str) -> Literals:
    """Texts (each of ``MIN_TEXT`` characters or more) one of which every match of
    ``pattern`` contains, as few and as long as the pattern allows; () when there are none.
    The pattern is read as written (lower-case rules search lower-cased text): a pattern
    with flags that change what its letters match gives ()."""
    try:
        tree = _parser.parse(pattern)
    except re.error:
        return ()
    if tree.state.flags & (re.IGNORECASE | re.VERBOSE):
        return ()
    return _best(_needs(list(tree))) or ()


def _needs(items: list[tuple[Any, Any]]) -> list[frozenset[str]]:
    """What a match of the sequence ``items`` needs: each set a choice of texts, one of
    which every match contains."""
    needs: list[frozenset[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            needs.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        end_run()
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, inner = av
            if not (add_flags | del_flags) & (re.IGNORECASE | re.VERBOSE):
                needs += _needs(list(inner))
        elif op is _c.BRANCH:
            choice: set[str] = set()
            for branch in av[1]:
                best = _best(_needs(list(branch)))
                if best is None:  # a branch that needs nothing known: no choice holds
                    break
                choice.update(best)
            else:
                needs.append(frozenset(choice))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _high, inner = av
            if low >= 1:  # repeated at least once: what one repetition needs
                needs += _needs(list(inner))
        # anything else (a class, any character, an anchor, a look-around, a reference)
        # matches no text that is known in advance
    end_run()
    return needs


def _best(needs: list[frozenset[str]]) -> Literals | None:
    """Of several needs, the one that rules out most: its shortest text the longest, then
    the fewest texts."""
    usable = [n for n in needs if n and min(map(len, n)) >= MIN_TEXT]
    if not usable:
        return None
    best = max(usable, key=lambda n: (min(map(len, n)), -len(n)))
    return tuple(sorted(best))


def contains_one(text: str, literals: Literals) -> bool:
    """Whether ``text`` may match a pattern that needs one of ``literals``."""
    if not literals:
        return True
    return any(literal in text for literal in literals)


class PatternIndex:
    """Patterns in order, each tried only on a text holding one of its required texts."""

    def __init__(self, patterns: Sequence[tuple[re.Pattern[str], Literals]]) -> None:
        self.patterns = [rx for rx, _ in patterns]
        self._always = tuple(i for i, (_, literals) in enumerate(patterns) if not literals)
        by_text: dict[str, list[int]] = {}
        for i, (_rx, literals) in enumerate(patterns):
            for literal in literals:
                by_text.setdefault(literal, []).append(i)
        self._automaton = ahocorasick.Automaton()
        for literal, indexes in by_text.items():
            self._automaton.add_word(literal, tuple(indexes))
        if by_text:
            self._automaton.make_automaton()
        self._searchable = bool(by_text)

    def candidates(self, text: str) -> list[int]:
        """The indexes, in order, of the patterns that may match ``text``."""
        found = set(self._always)
        if self._searchable:
            for _end, indexes in self._automaton.iter(text):
                found.update(indexes)
        return sorted(found)

    def first(self, text: str) -> int | None:
        """The index of the first pattern that matches ``text``, or None."""
        for i in self.candidates(text):
            if self.patterns[i].search(text):
                return i
        return None


class CaseBlind:
    """A pattern whose letters match either case, written in lower case and searched in the
    lower-cased text: the matches IGNORECASE finds, at the text's own positions
    (``mime.lowered`` keeps each character where it stood), several times faster: without
    IGNORECASE the regex engine skips ahead to where one of its branches can begin. A match
    is of the lower-cased text: its positions are the text's, its groups lower-case."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        letters = re.sub(r"\\.", "", pattern)  # escapes (\S, \W) are no letters to match
        if letters != letters.lower():
            raise ValueError(f"a case-blind pattern is written in lower case: {pattern!r}")
        self.pattern = pattern
        self._rx = re.compile(pattern, flags & ~re.IGNORECASE)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self._rx.search(lowered(text), pos, endpos)
