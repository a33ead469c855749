"""PDF/A's rule on a subset font's CIDSet, the one font rule the PDF layer checks.

ISO 19005-2 and ISO 19005-3 (PDF/A-2 and PDF/A-3), clause 6.2.11.4.2: "If the
FontDescriptor dictionary of an embedded CID font contains a CIDSet stream, then it shall
identify all CIDs which are present in the font program, regardless of whether a CID in the
font is referenced or used by the PDF or not." veraPDF, the reference PDF/A validator, makes
this test (its rule 6.2.11.4.2-2) for a font whose name marks it a subset (``ABCDEF+Name``,
ISO 32000-1, 9.6.4), leaving CID 0 (``.notdef``) aside. A subset written with a CIDSet of
only the characters a page uses fails it: the file is not PDF/A, whatever its XMP claims,
and a receiver's validator refuses it.

What is checked here is the part of that test that cannot be wrong: a CIDFontType2
(TrueType) subset with the identity CID-to-glyph map (ISO 32000-1, 9.7.4.2), whose program
holds an outline for a glyph (its ``loca`` entry is not empty) that the CIDSet does not
name. A program that cannot be read, another map, a CFF program: not judged, never guessed.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SUBSET_NAME = re.compile(r"^[A-Z]{6}\+")
MAX_PAGES = 500
MAX_FONT_PROGRAM = 8 * 1024 * 1024
CIDSET_BYTES = 16384
"""veraPDF reads no more of a CIDSet than this: a bit past it claims nothing."""


@dataclass(frozen=True)
class CIDSetGap:
    font: str
    """The font's name without its subset tag."""
    missing: tuple[int, ...]
    """The CIDs the program holds an outline for and the CIDSet does not name (the first few)."""
    count: int


def cidset_gaps(catalog: Any) -> list[CIDSetGap]:
    """Each subset TrueType CID font the pages use whose CIDSet leaves out glyphs its
    program holds (ISO 19005-3, 6.2.11.4.2)."""
    gaps: list[CIDSetGap] = []
    seen: set[int] = set()
    for font in _used_fonts(catalog):
        descendant = _cid_font(font)
        if descendant is None or id(descendant) in seen:
            continue
        seen.add(id(descendant))
        gap = _gap(descendant)
        if gap is not None:
            gaps.append(gap)
    return gaps


def _used_fonts(catalog: Any) -> list[Any]:
    """The font dictionaries of the pages' resources and of the forms they draw."""
    fonts: list[Any] = []
    visited: set[int] = set()
    stack = [(resolved(catalog.get("/Pages")), 0)]
    pages = 0
    while stack and pages < MAX_PAGES:
        node, depth = stack.pop()
        if node is None or id(node) in visited or depth > 64:
            continue
        visited.add(id(node))
        kids = node.get("/Kids")
        if kids is not None:
            stack += [(resolved(k), depth + 1) for k in reversed(list(resolved(kids)))]
            continue
        pages += 1
        _resources_fonts(resolved(node.get("/Resources")), fonts, visited, 0)
    return fonts


def _resources_fonts(resources: Any, fonts: list[Any], visited: set[int], depth: int) -> None:
    if resources is None or depth > 4 or not hasattr(resources, "get"):
        return
    for value in (resolved(resources.get("/Font")) or {}).values():
        fonts.append(resolved(value))
    for value in (resolved(resources.get("/XObject")) or {}).values():
        form = resolved(value)
        if id(form) in visited or not hasattr(form, "get") or form.get("/Subtype") != "/Form":
            continue
        visited.add(id(form))
        _resources_fonts(resolved(form.get("/Resources")), fonts, visited, depth + 1)


def _cid_font(font: Any) -> Any | None:
    """The CIDFontType2 descendant of a Type 0 font, where the rule applies to it."""
    if not hasattr(font, "get") or font.get("/Subtype") != "/Type0":
        return None
    descendants = resolved(font.get("/DescendantFonts"))
    if not descendants:
        return None
    cid = resolved(descendants[0])
    if not hasattr(cid, "get") or cid.get("/Subtype") != "/CIDFontType2":
        return None
    if not SUBSET_NAME.match(str(cid.get("/BaseFont") or "").lstrip("/")):
        return None
    mapping = resolved(cid.get("/CIDToGIDMap"))
    if mapping is not None and str(mapping) != "/Identity":
        return None
    return cid


def _gap(cid: Any) -> CIDSetGap | None:
    descriptor = resolved(cid.get("/FontDescriptor"))
    if descriptor is None:
        return None
    cidset = resolved(descriptor.get("/CIDSet"))
    program = resolved(descriptor.get("/FontFile2"))
    if not hasattr(cidset, "get_data") or not hasattr(program, "get_data"):
        return None
    try:
        declared = int(program.get("/Length1") or 0)
        if declared > MAX_FONT_PROGRAM:
            return None
        data = program.get_data()
        if len(data) > MAX_FONT_PROGRAM:
            return None
        glyphs = outline_glyphs(data)
        bits = cidset.get_data()[:CIDSET_BYTES]
    except Exception as exc:  # a program or set that cannot be read is not judged
        log.debug("CIDSet of %s not checked: %s", cid.get("/BaseFont"), exc)
        return None
    missing = [g for g in glyphs if g and not _named(bits, g)]
    if not missing:
        return None
    name = SUBSET_NAME.sub("", str(cid.get("/BaseFont")).lstrip("/"))
    return CIDSetGap(name, tuple(missing[:5]), len(missing))


def outline_glyphs(program: bytes) -> list[int]:
    """The glyph ids of a TrueType program that hold an outline (a non-empty ``loca``
    range), below the count its horizontal metrics cover."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(program), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    try:
        loca = list(font["loca"])
        metrics = int(font["hhea"].numberOfHMetrics)
    finally:
        font.close()
    count = min(len(loca) - 1, metrics)
    return [g for g in range(count) if loca[g + 1] > loca[g]]


def _named(bits: bytes, cid: int) -> bool:
    at = cid // 8
    return at < len(bits) and bool(bits[at] & (0x80 >> (cid % 8)))


def resolved(value: Any) -> Any:
    """A PDF object with an indirect reference followed (pypdf's ``get_object``)."""
    return value.get_object() if hasattr(value, "get_object") else value
