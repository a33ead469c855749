"""What facturier's own checks found, in our words: stored in English in an invoice's
compliance report (``Invoice.compliance``) and in the note that holds it, so that each
reader reads it in their language, whoever imported the invoice.

Our checks are the line arithmetic (BT-131, :mod:`daemon.domain.arithmetic`), the PDF layer
(``daemon/intake/pdf_layer.py``) and the specification identifier (BT-24,
``daemon/intake/rules.py`` and ``einvoice.py``). Each writes one of the forms below with
``.format``; :func:`said` reads a stored message back into its form and says it in the
reader's language. A rule set's finding (CEN's Schematron) is shown as its rule set wrote it,
as is a message written by an earlier version in another language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from daemon.domain import arithmetic
from daemon.domain.compliance import FATAL, ComplianceReport, Finding
from daemon.domain.i18n import N_, _, form_pattern
from daemon.domain.reading_words import shown_reading

NONE = N_("(none)")
"""A value the file does not give (an AFRelationship, a PDF/A part, a guideline id)."""

AF_RELATIONSHIP = N_(
    "the embedded {name} has AFRelationship {found}, not Data, Source or Alternative"
)
AF_MISSING = N_("the embedded {name} is not listed in the catalog's /AF")
NOT_PDF_A3 = N_("the XMP metadata identifies PDF/A part {found}, not PDF/A-3")
CIDSET_GAP = N_(
    "the PDF is not valid PDF/A-{part}: the CIDSet of its font {font} leaves out {count} "
    "glyph(s) the embedded font holds (CID {cids}), which ISO 19005-{part} 6.2.11.4.2 forbids "
    "and PDF/A validators such as veraPDF refuse; regenerate it with a PDF/A-3 export"
)
XMP_FILE_NAME = N_("the XMP metadata names {named}, the embedded file is {name}")
XMP_NO_LEVEL = N_("the XMP metadata declares no ConformanceLevel")
XMP_LEVEL = N_("the XMP metadata declares profile {declared}, the XML's guideline is {guideline}")
GUIDELINE = N_(
    "the specification identifier (BT-24) {found} is not EN 16931's, Factur-X's or ZUGFeRD 2's"
)
ZUGFERD1_GUIDELINE = N_("the specification identifier {found} is not a ZUGFeRD 1.0 invoice's")

FORMS: dict[str, tuple[str, ...]] = {
    "PDF-AFRelationship": (AF_RELATIONSHIP,),
    "PDF-AF": (AF_MISSING,),
    "PDF-A3": (NOT_PDF_A3,),
    "PDF-CIDSet": (CIDSET_GAP,),
    "PDF-XMP-FileName": (XMP_FILE_NAME,),
    "PDF-XMP-Level": (XMP_NO_LEVEL, XMP_LEVEL),
    "BT-24": (GUIDELINE, ZUGFERD1_GUIDELINE),
}
"""Each rule of ours and the forms its message takes."""

_PATTERNS = {rule: tuple((form_pattern(t), t) for t in forms) for rule, forms in FORMS.items()}

MORE = N_(" (and {count} more)")
"""How many more findings hold the invoice, after the first."""
_MORE = form_pattern("{first}" + MORE)


def said(finding: Finding) -> str:
    """A finding's message as the reader reads it: ours in their language, a rule set's as
    it wrote it."""
    if finding.rule == arithmetic.RULE:
        return arithmetic.read_back(finding.message) or finding.message
    for pattern, template in _PATTERNS.get(finding.rule, ()):
        m = pattern.match(finding.message)
        if m:
            values = {k: _(v) if v == NONE else v for k, v in m.groupdict().items()}
            return _(template).format(**values)
    return finding.message


def why_held(findings: Sequence[Finding]) -> str:
    """Why an invoice is held (its first finding, and how many more), as stored in the note
    that holds it."""
    first = findings[0].message
    return first + MORE.format(count=len(findings) - 1) if len(findings) > 1 else first


def shown_held(text: str) -> str:
    """A stored :func:`why_held`, in the reader's language."""
    m = _MORE.match(text)
    first, more = (m["first"], m["count"]) if m and m["count"].isdigit() else (text, None)
    shown = arithmetic.read_back(first) or first
    return shown + _(MORE).format(count=more) if more is not None else shown


FAILS_RULE = N_("fails rule {rule} ({rule_sets}): {message}")
"""Why the gate refuses an invoice: its first failing rule, the rule sets that ran, what the
rule says, and where (`` [location]``)."""
MORE_RULE = N_(" (and {count} more failing rule)")
MORE_RULES = N_(" (and {count} more failing rules)")
"""How many more rules failed, after the first: one, or several (French and English say one
alike, and several alike, for any count over one)."""
RULES_DOWN = N_("compliance rules could not run: {why}")

_REFUSAL = re.compile(
    r"fails rule (?P<rule>.+?) \((?P<rule_sets>[^()]*)\): (?P<message>.*?)"
    r"(?P<where> \[[^\]]*\])?(?: \(and (?P<count>\d+) more failing rules?\))?",
    re.DOTALL,
)


def _more_rules(word: Callable[[str], str], count: int) -> str:
    return word(MORE_RULE if count == 1 else MORE_RULES).format(count=count)


def _refusal(
    report: ComplianceReport, word: Callable[[str], str], finding: Callable[[Finding], str]
) -> str:
    if report.refused:
        return word(RULES_DOWN).format(why=report.refused)
    errors = report.errors
    first = errors[0]
    said = word(FAILS_RULE).format(
        rule=first.rule, rule_sets=", ".join(report.rule_sets), message=finding(first)
    )
    if first.location:
        said += f" [{first.location}]"
    if len(errors) > 1:
        said += _more_rules(word, len(errors) - 1)
    return said


def refusal_text(report: ComplianceReport) -> str:
    """Why the gate refuses an invoice, as stored (English; a rule set's words as it wrote
    them): :func:`shown_refusal` reads it back."""
    return _refusal(report, lambda template: template, lambda f: f.message)


def refusal(report: ComplianceReport) -> str:
    """Why the gate refuses an invoice, in the reader's language."""
    return _refusal(report, _, said)


def shown_refusal(text: str) -> str:
    """A stored :func:`refusal_text` in the reader's language; any other text as it is."""
    m = _REFUSAL.fullmatch(text)
    if m is None:
        down = text.removeprefix(RULES_DOWN.split("{")[0])
        if down != text:
            return _(RULES_DOWN).format(why=down)
        return shown_reading(text) or text  # a file no longer read as an e-invoice
    shown = _(FAILS_RULE).format(
        rule=m["rule"],
        rule_sets=m["rule_sets"],
        message=said(Finding(m["rule"], FATAL, m["message"])),
    )
    shown += m["where"] or ""
    if m["count"] is not None:
        shown += _more_rules(_, int(m["count"]))
    return shown
