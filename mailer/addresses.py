"""Address checks with flanker, and header-injection guards."""

from __future__ import annotations

import contextlib
import functools
import re

import idna

from mailer.errors import N_, MessageRefused


def refuse_line_breaks(value: str, what: str) -> None:
    if "\r" in value or "\n" in value:
        raise MessageRefused(
            N_("{what} contains a line break: {value}"), what=what, value=repr(value)
        )


def normalize_address(raw: str, what: str = "address") -> str:
    """The address as ``local@domain``, the domain lower-cased and, when internationalised,
    in its ASCII form (IDNA 2008, RFC 5891), which every relay takes; refuses bad syntax,
    and a local part that is not ASCII (it needs SMTPUTF8, RFC 6531, which is not sent)."""
    refuse_line_breaks(raw, what)
    named = _NAMED.fullmatch(raw.strip())
    if named is not None:  # "Facturation <compta@x.fr>", copied from a mail client
        raise MessageRefused(
            N_("{what}: {value} has a name with the address; give the address alone: {address}"),
            what=what,
            value=repr(raw),
            address=named[1].strip(),
        )
    normalized = _normalized(raw.strip())
    if normalized is None:
        raise MessageRefused(
            N_("{what} is not a valid e-mail address: {value}"), what=what, value=repr(raw)
        )
    local, _, domain = normalized.rpartition("@")
    domain = _ascii_domain(domain, raw, what)
    given_local, _, given_domain = raw.strip().rpartition("@")
    if given_local != local or _ascii_domain(given_domain, raw, what).lower() != domain:
        # flanker reads the last address of a list, or the last word before the @: never
        # send to an address that is not the one given
        raise MessageRefused(
            N_(
                "{what}: {value} is not exactly one e-mail address (it reads as {read}); "
                "give one address"
            ),
            what=what,
            value=repr(raw),
            read=f"{local}@{domain}",
        )
    if not local.isascii():
        raise MessageRefused(
            N_(
                "{what}: {value} has characters before the @ that are not ASCII; sending to "
                "it needs SMTPUTF8, which facturier does not use: ask for another address"
            ),
            what=what,
            value=repr(raw),
        )
    return f"{local}@{domain}"


_NAMED = re.compile(r"[^<>]*<([^<>@\s]+@[^<>\s]+)>")  # RFC 5322 3.4's name-addr


def comparable(address: str) -> str:
    """``address`` in the one form two spellings of it are compared in (never sent to):
    lower-cased; a quoted local part unquoted (RFC 5321 4.1.2: '"factures"@…' and
    'factures@…' are one mailbox, and a notice may give either); an internationalised domain
    in its ASCII form (RFC 5890 2.3.2.1: a U-label and its A-label are one name,
    "factures@société.fr" for "factures@xn--socit-esab.fr"). A domain IDNA refuses is left as
    it is: it can match no address we send to."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address.strip().lower()
    if len(local) >= 2 and local[0] == local[-1] == '"':
        local = _QUOTED_PAIR.sub(r"\1", local[1:-1])
    if not domain.isascii():
        with contextlib.suppress(idna.IDNAError):
            domain = idna.encode(domain, uts46=True).decode("ascii")
    return f"{local}@{domain}".lower()


_QUOTED_PAIR = re.compile(r"\\(.)")  # RFC 5322 3.2.1's quoted-pair


def _ascii_domain(domain: str, raw: str, what: str) -> str:
    """The domain in ASCII: an internationalised one in its IDNA 2008 form (RFC 5891)."""
    if domain.isascii():
        return domain.lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise MessageRefused(
            N_("{what}: the domain of {value} is not valid: {error}"),
            what=what,
            value=repr(raw),
            error=exc,
        ) from exc


@functools.lru_cache(maxsize=4096)
def _normalized(address: str) -> str | None:
    """flanker's reading of ``address`` (a parse costs more than composing the headers, and
    the same few addresses come back for every message). flanker is imported on first use:
    its import builds parser tables (about a tenth of a command's start) and, where its shipped
    tables do not match the installed ply, logs them before logging is configured."""
    from flanker.addresslib import address as flanker_address

    parsed = flanker_address.parse(address, addr_spec_only=True)
    if parsed is None or not getattr(parsed, "hostname", None):
        return None
    return f"{parsed.mailbox}@{parsed.hostname.lower()}"
