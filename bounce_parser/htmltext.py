"""The text a person reads in an HTML notice, with its line structure kept.

Some mail systems send a notice only as ``text/html`` (RFC 2854), or put the readable
explanation of a report in HTML. The rules that read notices work on lines: a failed address
on its own line, the diagnostic after it, the returned message's header block. Stripping the
tags alone joins every line into one, and leaves entities (``&lt;user@host&gt;``) in place,
so this reader breaks lines where HTML does (the block-level and line-break elements of the
HTML Living Standard, section 4: ``p``, ``div``, ``br``, ``tr``, ``li``, headings, ...),
decodes character references, and drops what is not read (``script``, ``style``, ``head``).
It reads tags with one regular expression in a single pass and never raises.
"""

from __future__ import annotations

import html
import re

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
_RULE = "_" * 32


# a tag, a comment, or a declaration; attribute values may hold ">" when quoted
_TAG = re.compile(
    r"<!--.*?(?:-->|\Z)|<(/?)([A-Za-z][A-Za-z0-9]*)(?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+>|<![^>]*+>",
    re.DOTALL,
)
# A "<" that opens no tag (a quote left open) is text; each costs a look to the end of the
# markup, so after this many the rest is read as text, tags and all
MAX_OPEN_TAGS = 8
_TAG_START = re.compile(r"<[!/A-Za-z]")


def _text(data: str, preformatted: bool) -> str:
    data = data.replace(_EDGE, " ")
    if preformatted:
        return data
    return data.replace("\r", " ").replace("\n", " ")  # CSS white-space: a space


def html_text(markup: str) -> str:
    """The readable text of ``markup``: one line per rendered line, entities decoded. One
    pass over the tags (linear time: an unclosed ``<script>`` drops the rest, as a browser
    would; at most ``MAX_OPEN_TAGS`` looks for a tag that does not close), then character
    references decoded (``html.unescape``)."""
    chunks: list[str] = []
    lowered = markup.lower()
    pos = seen = unclosed = preformatted = 0
    gt = -1  # the first ">" at or after ``seen``, once looked for
    while True:
        start = _TAG_START.search(markup, seen)
        lt = start.start() if start else -1
        if gt < lt:
            gt = markup.find(">", lt)
        if lt < 0 or unclosed >= MAX_OPEN_TAGS or (gt < 0 and not markup.startswith("<!--", lt)):
            m = None  # no tag starts, or none can close: the rest is text
        else:
            m = _TAG.match(markup, lt)
            if m is None:  # a "<" in the text
                unclosed += 1
                seen = lt + 1
                continue
        if m is None:
            chunks.append(_text(markup[pos:], preformatted > 0))
            break
        chunks.append(_text(markup[pos : m.start()], preformatted > 0))
        pos = seen = m.end()
        name = (m.group(2) or "").lower()
        closing = bool(m.group(1))
        if not name:
            continue  # a comment or a declaration
        if name in _UNREAD and not closing:
            end = lowered.find("</" + name, pos)
            pos = len(markup) if end < 0 else max(pos, lowered.find(">", end) + 1 or len(markup))
            seen = pos
        elif name == "pre":
            preformatted = max(0, preformatted + (-1 if closing else 1))
            chunks.append(_EDGE)
        elif name in _CELLS:
            chunks.append("" if closing else " ")
        elif name == "br":
            chunks.append("\n")
        elif name == "hr" and not closing:
            # a thematic break (HTML section 4.4.2) on a line of its own, as mail clients
            # write it in plain text (Outlook's rule above a forwarded message's header lines)
            chunks.append(f"{_EDGE}{_RULE}{_EDGE}")
        elif name in _BLOCKS:
            chunks.append(_EDGE)
    text = _EDGES.sub("\n", html.unescape("".join(chunks)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
