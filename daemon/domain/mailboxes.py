"""Whether an invoice address is a shared mailbox for invoices (``factures@``, ``invoices@``,
``ap@``…) or a person's. Pure.

No standard names invoice mailboxes (RFC 2142 lists only the operational role mailboxes:
postmaster, abuse, billing among its business ones), so the shipped list holds the local
parts accounts-payable departments publish in the languages the product serves, and the
admin extends it (``[addresses] shared_mailboxes``); a person can mark any address either
way by hand, and that is logged.
"""

from __future__ import annotations

from collections.abc import Collection

SHARED_LOCAL_PARTS = frozenset(
    {
        # French
        "facture",
        "factures",
        "facturation",
        "facturations",
        "compta",
        "comptabilite",
        "comptabilité",
        "comptafournisseurs",
        "comptabilitefournisseurs",
        "fournisseurs",
        "dematerialisation",
        "dématérialisation",
        "factures.fournisseurs",
        "factures-fournisseurs",
        "facturesfournisseurs",
        "reglement",
        "reglements",
        # English (RFC 2142's "billing" among them)
        "invoice",
        "invoices",
        "einvoice",
        "einvoices",
        "e-invoice",
        "e-invoices",
        "billing",
        "accounting",
        "accounts",
        "accountspayable",
        "accounts.payable",
        "accounts-payable",
        "ap",
        "payables",
        "finance",
        "ap-invoices",
        "apinvoices",
        "supplierinvoices",
        "supplier.invoices",
        "supplier-invoices",
        "purchase-invoices",
        "purchaseinvoices",
        # German, Dutch, Italian, Spanish (the corpus' and neighbours' languages)
        "rechnung",
        "rechnungen",
        "rechnungseingang",
        "buchhaltung",
        "kreditoren",
        "factuur",
        "facturen",
        "crediteuren",
        "boekhouding",
        "fattura",
        "fatture",
        "fatturazione",
        "contabilita",
        "amministrazione",
        "factura",
        "facturas",
        "contabilidad",
    }
)


def local_part(email: str) -> str:
    """The address's local part, lower-cased, without a ``+tag`` sub-address."""
    local = email.rsplit("@", 1)[0].strip().lower()
    return local.split("+", 1)[0]


def is_shared_mailbox(email: str, extra: Collection[str] = ()) -> bool:
    """Is ``email`` a shared invoice mailbox by its local part (the shipped names and
    ``extra``)?"""
    local = local_part(email)
    return local in SHARED_LOCAL_PARTS or local in {e.strip().lower() for e in extra}
