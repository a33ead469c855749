"""``facturier proof verify``: a proof package checked without the database (its signature,
every file against the signed manifest, every message and notice against the chain entries
the package carries), naming what changed."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from daemon.domain.i18n import N_, Said, say
from daemon.domain.ledger import (
    address_change_digest,
    inbound_digest,
    link_holds,
)
from daemon.domain.models import (
    AddressChange,
    InboundMessage,
)
from daemon.domain.signing import fingerprint, signed_by

MAX_MEMBER = 64 * 1024 * 1024
"""A member larger than this is not read by ``proof verify`` (a zip bomb is refused)."""


@dataclass(frozen=True)
class PackageCheck:
    invoice: str | None
    files: int
    key: str | None
    """The fingerprint of the key that signed the manifest."""
    problems: list[Said]


def verify_package(path: Path, expected_key: str | None = None) -> PackageCheck:
    """Check a proof package without the database: its manifest's signature (by
    ``expected_key``, a public key in hex, when given), each file against the manifest, and
    each message and notice against the chain links the package carries."""
    problems: list[Said] = []
    try:
        package = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        why = say(N_("{file}: not a readable proof package ({why})"), file=path, why=exc)
        return PackageCheck(None, 0, None, [why])
    with package:
        members: dict[str, bytes] = {}
        for info in package.infolist():
            if info.file_size > MAX_MEMBER:
                problems.append(
                    say(
                        N_("{file}: larger than {size} bytes, not read"),
                        file=info.filename,
                        size=MAX_MEMBER,
                    )
                )
                continue
            members[info.filename] = package.read(info)
    try:
        signed = json.loads(members.pop("manifest.json"))
        manifest, signature = signed["manifest"], signed["signature"]
        public = str(manifest["public_key"])
    except (KeyError, ValueError, TypeError) as exc:
        why = say(N_("manifest.json: missing or unreadable ({why})"), why=exc)
        return PackageCheck(None, 0, None, [why])
    if not signed_by(manifest, str(signature), public):
        problems.append(
            say(N_("manifest.json: its signature does not match: the manifest was changed"))
        )
    if expected_key is not None and public != expected_key:
        problems.append(
            say(
                N_("manifest.json: signed by key {key}, not by {expected}"),
                key=fingerprint(public),
                expected=fingerprint(expected_key),
            )
        )
    listed = manifest.get("files", {})
    if not isinstance(listed, dict):
        problems.append(say(N_("manifest.json: its list of files is not as a package writes it")))
        listed = {}
    for name, digest in sorted(listed.items()):
        if name not in members:
            problems.append(
                say(N_("{file}: listed in the manifest, missing from the package"), file=name)
            )
        elif hashlib.sha256(members[name]).hexdigest() != digest:
            problems.append(say(N_("{file}: changed since the package was signed"), file=name))
    for name in sorted(set(members) - set(listed)):
        problems.append(say(N_("{file}: not in the manifest (added after signing)"), file=name))
    try:
        proof = json.loads(members.get("proof.json", b"{}"))
    except ValueError:
        proof = {}
        problems.append(say(N_("proof.json: unreadable")))
    if not isinstance(proof, dict):
        proof = {}
        problems.append(say(N_("proof.json: not as a package writes it")))
    for section, check in (
        ("deliveries", _check_delivery),
        ("notices", _check_notice),
        ("address_changes", _check_address_change),
    ):
        entries = proof.get(section, [])
        if not isinstance(entries, list):
            problems.append(
                say(
                    N_("proof.json: its {section} are not as a package writes them"),
                    section=section,
                )
            )
            continue
        for n, entry in enumerate(entries, start=1):
            # a package changed by hand may hold anything: what cannot be read is said, and
            # the check goes on
            try:
                problems.extend(check(entry, members))
            except (KeyError, TypeError, ValueError, AttributeError):
                problems.append(
                    say(
                        N_("proof.json: {section} entry {n} is not as a package writes it"),
                        section=section,
                        n=n,
                    )
                )
    return PackageCheck(manifest.get("invoice"), len(listed), fingerprint(public), problems)


def _check_delivery(d: dict[str, Any], members: dict[str, bytes]) -> list[Said]:
    """A delivery's archived message against its chain entry."""
    from daemon.outbound.proof import chain_hash

    a = d.get("archived")
    if not a:
        return []
    found = []
    data = members.get(a["file"])
    if data is not None and hashlib.sha256(data).hexdigest() != a["sha256"]:
        found.append(
            say(
                N_("{file}: not the message its chain entry #{seq} names"),
                file=a["file"],
                seq=a["seq"],
            )
        )
    if a["chain_hash"] != chain_hash(
        a["prev_chain_hash"] or "", a["seq"], a["sha256"], a["size"], a["message_id"]
    ):
        found.append(
            say(N_("archive entry #{seq}: its chain hash does not match it"), seq=a["seq"])
        )
    return found


def _check_notice(n: dict[str, Any], members: dict[str, bytes]) -> list[Said]:
    """A notice received against its file and its ledger link."""
    found = []
    data = members.get(n["file"]) if n.get("file") else None
    if data is not None and hashlib.sha256(data).hexdigest() != n["raw_sha256"]:
        found.append(say(N_("{file}: not the notice received"), file=n["file"]))
    link = n.get("ledger")
    if link and not link_holds(link, inbound_digest(InboundMessage(**_inbound_fields(n)))):
        found.append(
            say(
                N_("notice #{id}: does not match its ledger link #{seq}"),
                id=n["id"],
                seq=link["seq"],
            )
        )
    return found


def _check_address_change(c: dict[str, Any], _members: dict[str, bytes]) -> list[Said]:
    """An address change against its ledger link."""
    link = c.get("ledger")
    fields = {k: v for k, v in c.items() if k != "ledger"}
    fields["changed_at"] = datetime.fromisoformat(fields["changed_at"])
    if link and not link_holds(link, address_change_digest(AddressChange(**fields))):
        return [
            say(
                N_("address change #{id}: does not match its ledger link #{seq}"),
                id=c["id"],
                seq=link["seq"],
            )
        ]
    return []


def _inbound_fields(n: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "raw_sha256", "size", "mailbox", "uidvalidity", "uid")
    return {k: n[k] for k in keys} | {"kind": n["kind"], "classification": "", "disposition": ""}
