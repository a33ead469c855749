"""Will the sender domain's DNS let invoices through? SPF (RFC 7208, evaluated by pyspf),
the DKIM selector's key (RFC 6376 3.6.1), DMARC (RFC 7489) and whether each of SPF and DKIM
aligns with the From domain, read with dnspython; what to fix, said for each."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from dataclasses import dataclass

import dns.exception
import dns.resolver
import spf

from config import Settings
from daemon.domain.errors import ValidationError
from daemon.domain.i18n import _
from mailer.dkim import read_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainFinding:
    topic: str
    """spf, dkim, dmarc or verdict."""
    ok: bool
    said: str
    fix: str | None = None


def nameserver_address(nameserver: str) -> tuple[str, int]:
    """The address and port of ``nameserver`` as an admin writes it: an IPv4 or IPv6
    address, ``host:port``, ``[IPv6]:port``, or a host name (looked up by the system);
    ValidationError saying what does not fit."""
    value = nameserver.strip()
    host, port = value, ""
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(\d*))?", value)
    if bracketed:
        host, port = bracketed[1], bracketed[2] or ""
    elif value.count(":") == 1:  # one colon: a port (an IPv6 address holds two or more)
        host, _sep, port = value.partition(":")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValidationError(
            _("--nameserver: {value} is not host or host:port").format(value=nameserver)
        )
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        try:
            found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)
        except (OSError, UnicodeError):
            raise ValidationError(
                _("--nameserver: {host} is neither an IP address nor a name found in DNS").format(
                    host=host
                )
            ) from None
        address = str(found[0][4][0])
    return address, int(port) if port else 53


def resolver_for(nameserver: str | None) -> dns.resolver.Resolver:
    """The system's resolver, or one asking only ``nameserver`` (see
    :func:`nameserver_address`)."""
    if nameserver is None:
        return dns.resolver.Resolver()
    resolver = dns.resolver.Resolver(configure=False)
    address, port = nameserver_address(nameserver)
    resolver.nameservers = [address]
    resolver.port = port
    resolver.lifetime = 5.0
    return resolver


def txt_records(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]


def tags(record: str) -> dict[str, str]:
    """The tag=value list of a DKIM or DMARC record (RFC 6376 3.2)."""
    found = {}
    for item in record.split(";"):
        name, sep, value = item.partition("=")
        if sep:
            found[name.strip().lower()] = "".join(value.split())
    return found


def aligned(domain: str, from_domain: str, strict: bool) -> bool:
    """RFC 7489 3.1: strict, the same domain; relaxed, the same organizational domain (here
    approximated as one domain being the other or a subdomain of it)."""
    domain, from_domain = domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    if strict or domain == from_domain:
        return domain == from_domain
    return domain.endswith("." + from_domain) or from_domain.endswith("." + domain)


def check_domain(
    settings: Settings, ips: list[str], resolver: dns.resolver.Resolver
) -> list[DomainFinding]:
    """What the DNS says of the sender domain for mail sent from ``ips`` (the relay's public
    addresses)."""
    dns.resolver.default_resolver = resolver  # pyspf resolves through dnspython's default
    sender = settings.sender
    from_domain = sender.address.rsplit("@", 1)[-1].lower()
    envelope = sender.envelope_sender()
    envelope_domain = envelope.rsplit("@", 1)[-1].lower()
    found: list[DomainFinding] = []
    try:
        dmarc = next(
            (
                t
                for t in map(tags, txt_records(resolver, f"_dmarc.{from_domain}"))
                if t.get("v") == "DMARC1"
            ),
            None,
        )
        spf_pass = _spf(found, resolver, envelope, envelope_domain, ips, settings)
        dkim_pass, dkim_domain = _dkim(found, resolver, settings)
    except dns.exception.DNSException as exc:
        return [DomainFinding("dns", False, _("the DNS could not be asked: {why}").format(why=exc))]
    strict_spf = bool(dmarc and dmarc.get("aspf") == "s")
    strict_dkim = bool(dmarc and dmarc.get("adkim") == "s")
    spf_aligned = spf_pass and aligned(envelope_domain, from_domain, strict_spf)
    dkim_aligned = (
        dkim_pass and dkim_domain is not None and aligned(dkim_domain, from_domain, strict_dkim)
    )
    if spf_pass and not spf_aligned:
        found.append(
            DomainFinding(
                "spf",
                False,
                _(
                    "SPF passes for {envelope}, but {domain} does not align with the From "
                    "domain {from_domain}"
                ).format(envelope=envelope, domain=envelope_domain, from_domain=from_domain),
                _("use a return path in {from_domain}").format(from_domain=from_domain),
            )
        )
    if dkim_pass and not dkim_aligned:
        found.append(
            DomainFinding(
                "dkim",
                False,
                _(
                    "the signature's domain {domain} does not align with the From domain "
                    "{from_domain}"
                ).format(domain=dkim_domain, from_domain=from_domain),
                _("sign with d={from_domain} ([dkim] domain)").format(from_domain=from_domain),
            )
        )
    if dmarc is None:
        found.append(
            DomainFinding(
                "dmarc",
                False,
                _("no DMARC record at _dmarc.{domain}: receivers apply their own rules").format(
                    domain=from_domain
                ),
                _(
                    'publish _dmarc.{domain} TXT "v=DMARC1; p=none; rua=mailto:dmarc@{domain}", '
                    "then tighten p once reports show mail aligned"
                ).format(domain=from_domain),
            )
        )
    else:
        found.append(
            DomainFinding(
                "dmarc",
                True,
                _("DMARC policy p={policy} for {domain}").format(
                    policy=dmarc.get("p", "none"), domain=from_domain
                ),
            )
        )
    passes = spf_aligned or dkim_aligned
    found.append(
        DomainFinding(
            "verdict",
            passes,
            _("DMARC passes: {how} aligned with {domain}").format(
                how=" and ".join(
                    n for n, ok in (("SPF", spf_aligned), ("DKIM", dkim_aligned)) if ok
                ),
                domain=from_domain,
            )
            if passes
            else _(
                "DMARC fails: neither SPF nor DKIM passes aligned with {domain}; "
                "invoices are likely to be filtered"
            ).format(domain=from_domain),
        )
    )
    return found


def _spf(
    found: list[DomainFinding],
    resolver: dns.resolver.Resolver,
    envelope: str,
    domain: str,
    ips: list[str],
    settings: Settings,
) -> bool:
    records = [r for r in txt_records(resolver, domain) if r.lower().startswith("v=spf1")]
    if not records:
        found.append(
            DomainFinding(
                "spf",
                False,
                _("no SPF record at {domain}").format(domain=domain),
                _('publish {domain} TXT "v=spf1 {mechanisms} -all"').format(
                    domain=domain, mechanisms=" ".join(f"ip4:{ip}" for ip in ips) or "mx"
                ),
            )
        )
        return False
    helo = settings.smtp.helo_name or settings.smtp.host
    every = True
    for ip in ips:
        result, explanation = spf.check2(i=ip, s=envelope, h=helo)
        ok = result == "pass"
        every &= ok
        found.append(
            DomainFinding(
                "spf",
                ok,
                _("SPF for {envelope} from {ip}: {result}").format(
                    envelope=envelope, ip=ip, result=result
                )
                + ("" if ok or not explanation else f" ({explanation})"),
                None
                if ok
                else _(
                    "add ip4:{ip} (or the relay's include:) to the SPF record of {domain}"
                ).format(ip=ip, domain=domain),
            )
        )
    return bool(ips) and every


def _dkim(
    found: list[DomainFinding], resolver: dns.resolver.Resolver, settings: Settings
) -> tuple[bool, str | None]:
    signing = settings.dkim.signing(settings.sender.address)
    if signing is None:
        found.append(
            DomainFinding(
                "dkim",
                False,
                _("messages are not signed: no [dkim] selector and key_file"),
                _("run `facturier dkim keygen`, publish the record it prints, set [dkim]"),
            )
        )
        return False, None
    selector, domain, key_file = signing
    key = read_key(key_file)
    name = f"{selector}._domainkey.{domain}"
    published = [tags(r) for r in txt_records(resolver, name)]
    keys = [t.get("p", "") for t in published if t.get("v", "DKIM1") == "DKIM1"]
    if key.public_record in keys:
        found.append(DomainFinding("dkim", True, _("the key at {name} is ours").format(name=name)))
        return True, domain
    found.append(
        DomainFinding(
            "dkim",
            False,
            _("no key at {name}").format(name=name)
            if not keys
            else _("the key at {name} is not the one in {path}").format(name=name, path=key_file),
            _("publish: {record}").format(record=key.dns_record(selector, domain)),
        )
    )
    return False, domain
