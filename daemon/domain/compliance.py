"""What the compliance gate found in an invoice, and what an admin's downgrades make of it.

A finding is one rule that fired: its id (``BR-CO-10``, ``FX-SCH-A-000123``,
``PDF-A3``), its severity as the rule set states it (Schematron's ``flag``: ``fatal``,
``warning``, ``information``; ISO/IEC 19757-3), the rule's own message and where in the
document. A fatal finding refuses the invoice; a held one (facturier's own checks that EN
16931 does not impose, such as line amounts that do not add up) keeps it from going out
until a person decides; the others pass and are shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

FATAL = "fatal"
WARNING = "warning"
INFORMATION = "information"
HOLD = "hold"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    location: str = ""
    downgraded: bool = False
    """A fatal or held rule the configuration let through as a warning."""


@dataclass(frozen=True)
class Downgrade:
    """Rules an admin lets through as warnings: for every invoice, or only those of the
    given profiles (BT-24's profile: minimum, basic, en16931…) or sellers (VAT id or name)."""

    rules: frozenset[str]
    profiles: frozenset[str] = frozenset()
    sellers: frozenset[str] = frozenset()
    reason: str = ""

    def covers(self, rule: str, profile: str | None, seller: Iterable[str | None]) -> bool:
        if rule not in self.rules:
            return False
        if self.profiles and (profile or "") not in self.profiles:
            return False
        return not self.sellers or any(s in self.sellers for s in seller if s)


@dataclass(frozen=True)
class ComplianceReport:
    rule_sets: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    refused: str | None = None
    """Why the rules could not run (a missing artifact, a compile or processor error, a
    time-out): the invoice is refused, never passed."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    fingerprint: str = ""
    """The rules it was checked with (their files, the downgrades): the same bytes checked
    with the same fingerprint give the same report."""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == FATAL]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity not in (FATAL, HOLD)]

    @property
    def holds(self) -> list[Finding]:
        """Findings that keep the invoice for a person before it goes out."""
        return [f for f in self.findings if f.severity == HOLD]

    @property
    def passed(self) -> bool:
        return self.refused is None and not self.errors

    def downgraded(
        self, downgrades: Iterable[Downgrade], profile: str | None, seller: Iterable[str | None]
    ) -> ComplianceReport:
        """The report with the fatal and held findings an admin's downgrades cover made
        warnings, and each downgrade used noted with its reason."""
        sellers = list(seller)
        rules = list(downgrades)
        findings = []
        notes = list(self.notes)
        for f in self.findings:
            used = next(
                (
                    d
                    for d in rules
                    if f.severity in (FATAL, HOLD) and d.covers(f.rule, profile, sellers)
                ),
                None,
            )
            if used is None:
                findings.append(f)
                continue
            findings.append(replace(f, severity=WARNING, downgraded=True))
            note = f"{f.rule} downgraded to a warning: {used.reason}"
            if note not in notes:
                notes.append(note)
        return replace(self, findings=tuple(findings), notes=tuple(notes))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "rule_sets": list(self.rule_sets),
            "refused": self.refused,
            "notes": list(self.notes),
            "fingerprint": self.fingerprint,
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "message": f.message,
                    "location": f.location,
                    **({"downgraded": True} if f.downgraded else {}),
                }
                for f in self.findings
            ],
        }

    @classmethod
    def from_json(cls, text: str | None) -> ComplianceReport | None:
        if not text:
            return None
        data = json.loads(text)
        return cls(
            tuple(data.get("rule_sets", ())),
            tuple(
                Finding(
                    f["rule"],
                    f["severity"],
                    f.get("message", ""),
                    f.get("location", ""),
                    bool(f.get("downgraded")),
                )
                for f in data.get("findings", ())
            ),
            data.get("refused"),
            tuple(data.get("notes", ())),
            data.get("fingerprint", ""),
        )
