"""The text a person reads in an HTML notice, with its line structure kept.

Some mail systems send a notice only as ``text/html`` (RFC 2854), or put the readable
explanation of a report in HTML. The rules that read notices work on lines: a failed address
on its own line, the diagnostic after it, the returned message's header block. Stripping the
tags alone joins every line into one, and leaves entities (``&lt;user@host&gt;``) in place,
so this reader breaks lines where HTML does (the block-level and line-break elements of the
HTML Living Standard, section 4: ``p``, ``div``, ``br``, ``tr``, ``li``, headings, ...),
decodes character references, and drops what is not read (``script``, ``style``, ``head``).
It uses the standard library's tolerant parser and never raises.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# elements after (and before) which the rendered text starts a new line
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# cells of one table row stay on one line ("Remote server: | mx.example.org")
_CELLS = frozenset({"td", "th"})
_UNREAD = frozenset({"script", "style", "head", "title", "template"})
# a block's edge: several in a row (``</p><p>``) make one line break, as a browser shows
# them (one line each), while each ``<br>`` is a line break of its own
_EDGE = "\x1e"
_EDGES = re.compile("\n?(?:[ \t]*\x1e[ \t]*)+\n?")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u200b]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0
        self.preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _UNREAD:
            self.skipping += 1
        elif tag == "pre":
            self.preformatted += 1
            self.chunks.append(_EDGE)
        elif tag in _CELLS:
            self.chunks.append(" ")
        elif tag == "br":
            self.chunks.append("\n")
        elif tag in _BLOCKS:
            self.chunks.append(_EDGE)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _UNREAD:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)
            self.chunks.append(_EDGE)
        elif tag in _BLOCKS and tag not in _CELLS and tag != "br":
            self.chunks.append(_EDGE)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        data = data.replace(_EDGE, " ")
        if self.preformatted:
            self.chunks.append(data)
        else:  # outside <pre>, a line break in the source is a space (CSS white-space)
            self.chunks.append(data.replace("\r", " ").replace("\n", " "))


def html_text(markup: str) -> str:
    """The readable text of ``markup``: one line per rendered line, entities decoded."""
    reader = _Reader()
    try:
        reader.feed(markup)
        reader.close()
    except Exception:  # the parser is tolerant; whatever it still refuses, read tags away
        return re.sub(r"<[^>]{0,2000}>", " ", markup)
    text = _EDGES.sub("\n", "".join(reader.chunks))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
