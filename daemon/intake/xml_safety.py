"""XML from outside, read without trusting it: every XML an invoice brings goes through
:func:`safe_xml` before any other parser (factur-x's, Saxon's) sees it.

Refused, in bounded time, with nothing read from disk or network and nothing stored:

- a document type declaration (``<!DOCTYPE``): it is what declares entities, internal
  (billion laughs: the expansion attack of CVE-2003-1564) or external (a local file or a URL,
  OWASP's XXE), and an external DTD; EN 16931 syntaxes (CII, UBL) use none;
- a file over ``max_bytes``, a text node over libxml2's 10 MB, nesting deeper than
  libxml2's 256 levels (the parser's limits without ``huge_tree``).

XML in UTF-16 or UTF-32 is XML (XML 1.0, appendix F: a byte-order mark, or ``<?xml`` in that
encoding), and so is XML in an 8-bit encoding its declaration names (ISO-8859-1): it is read
and handed on re-encoded as UTF-8, which is what the other parsers read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from daemon.domain import reading_words
from daemon.domain.errors import EInvoiceError
from daemon.domain.i18n import say

MAX_XML_BYTES = 20 * 1024 * 1024

# XML 1.0, appendix F.1: the first bytes tell the encoding family
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_pis=False,
)

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.S)
_ENCODING = re.compile(r"""(encoding\s*=\s*)(["'])[^"']*\2""")


@dataclass(frozen=True)
class SafeXml:
    root: Any
    """The parsed document's root element (lxml)."""
    utf8: bytes
    """The document as UTF-8 bytes, for the parsers that come after."""


def xml_encoding(data: bytes) -> str | None:
    """The encoding family ``data`` announces as XML by its first bytes (appendix F), or
    "utf-8" for text that starts with ``<`` after white space; None when it is not XML."""
    for signature, encoding in _SIGNATURES:
        if data.startswith(signature):
            # a byte-order mark says how text is written, not that it is XML (a CSV file
            # Excel saves as "CSV UTF-8" opens with one): its first character must be "<"
            head = data[:64].decode(encoding, "ignore").lstrip("\ufeff \t\r\n")
            return encoding if head[:1] == "<" else None
    return "utf-8" if data.lstrip()[:1] == b"<" else None


def safe_xml(data: bytes, file: str, *, max_bytes: int = MAX_XML_BYTES) -> SafeXml:
    """``data`` read as XML, or :class:`EInvoiceError` saying why it is refused."""
    if len(data) > max_bytes:
        raise EInvoiceError(
            file,
            say(
                reading_words.XML_TOO_BIG,
                size=len(data),
                limit=max_bytes,
            ),
        )
    encoding = xml_encoding(data)
    if encoding is None:
        raise EInvoiceError(file, say(reading_words.NOT_PDF_OR_XML))
    if encoding in ("utf-8", "utf-8-sig"):
        # read as it is (lxml checks the UTF-8); the prolog is looked at, not the whole text
        utf8 = data.removeprefix(codecs.BOM_UTF8)
        head = utf8[:65536].decode("utf-8", "replace")
    else:
        try:
            head = data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise EInvoiceError(
                file, say(reading_words.NOT_ENCODED_AS, encoding=encoding, error=exc)
            ) from None
        # the declaration names the old encoding: the text goes on as UTF-8, and says so
        declared = _DECLARATION.match(head)
        if declared:
            fixed = _ENCODING.sub(r"\1\2UTF-8\2", declared.group(0))
            head = fixed + head[declared.end() :]
        utf8 = head.encode("utf-8")
    if _declares_a_type(head):
        raise EInvoiceError(
            file,
            say(reading_words.DOCTYPE_DECLARED),
        )
    try:
        root = etree.fromstring(utf8, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise EInvoiceError(file, say(reading_words.MALFORMED_XML, error=exc)) from exc
    if root.getroottree().docinfo.doctype:
        raise EInvoiceError(file, say(reading_words.DOCTYPE))
    declared_as = (root.getroottree().docinfo.encoding or "UTF-8").lower()
    if encoding in ("utf-8", "utf-8-sig") and declared_as not in ("utf-8", "utf8"):
        # an 8-bit encoding its declaration names (ISO-8859-1, windows-1252: XML 1.0, 4.3.3),
        # which libxml2 has just read by: the text goes on as UTF-8 too, and says so
        if encoding == "utf-8-sig":
            # a UTF-8 byte-order mark and a declaration naming another encoding: XML 1.0
            # (4.3.3, appendix F) makes it a fatal error; where the text is ASCII both read
            # it alike, else one of them is wrong and which is not guessed
            data = data.removeprefix(codecs.BOM_UTF8)
            if not data.isascii():
                raise EInvoiceError(
                    file,
                    say(
                        reading_words.BOM_DISAGREES,
                        encoding=root.getroottree().docinfo.encoding,
                    ),
                )
        try:
            text = data.decode(declared_as)
        except (LookupError, UnicodeDecodeError) as exc:
            raise EInvoiceError(
                file, say(reading_words.NOT_ENCODED_AS, encoding=declared_as, error=exc)
            ) from None
        declared = _DECLARATION.match(text)
        if declared:
            text = _ENCODING.sub(r"\1\2UTF-8\2", declared.group(0)) + text[declared.end() :]
        utf8 = text.encode("utf-8")
    return SafeXml(root, utf8)


def _declares_a_type(text: str) -> bool:
    """Whether the prolog (before the root element: the declaration, comments, processing
    instructions, white space) holds a markup declaration, ``<!DOCTYPE`` being the one XML
    allows there."""
    at = 0
    while True:
        at = text.find("<", at)
        if at < 0:
            return False
        if text.startswith("<?", at):
            end, width = text.find("?>", at), 2
        elif text.startswith("<!--", at):
            end, width = text.find("-->", at), 3
        else:
            return text.startswith("<!", at)
        if end < 0:
            return False
        at = end + width
