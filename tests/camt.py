"""Bank statements for the tests: ISO 20022 camt.053.001.02 and camt.054.001.02 built with
the bindings that xsdata generated from the official message schemas (pyiso20022), so the
elements, their order and their types are the schema's; :func:`check_against_schema` reads a
document back strictly and checks that every element the schema requires is there."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

import pyiso20022.camt.camt_053_001_02 as c053
import pyiso20022.camt.camt_054_001_02 as c054
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate, XmlDateTime

ACCOUNT = "FR7630006000011234567890189"


@dataclass(frozen=True)
class Credit:
    amount: str
    booked: date = date(2026, 11, 30)
    currency: str = "EUR"
    reference: str | None = None
    """A structured creditor reference (RmtInf/Strd/CdtrRefInf/Ref)."""
    text: str | None = None
    """Unstructured remittance (RmtInf/Ustrd)."""
    payer: str | None = None
    bank_ref: str | None = None
    """The bank's own reference of the entry (AcctSvcrRef)."""
    side: str = "CRDT"
    reversal: bool = False


def _entry(m: ModuleType, credit: Credit) -> Any:
    remittance = None
    if credit.reference or credit.text:
        remittance = m.RemittanceInformation5(
            ustrd=[credit.text] if credit.text else [],
            strd=[
                m.StructuredRemittanceInformation7(
                    cdtr_ref_inf=m.CreditorReferenceInformation2(ref=credit.reference)
                )
            ]
            if credit.reference
            else [],
        )
    parties = (
        m.TransactionParty2(dbtr=m.PartyIdentification32(nm=credit.payer)) if credit.payer else None
    )
    return m.ReportEntry2(
        amt=m.ActiveOrHistoricCurrencyAndAmount(value=Decimal(credit.amount), ccy=credit.currency),
        cdt_dbt_ind=m.CreditDebitCode(credit.side),
        rvsl_ind=True if credit.reversal else None,
        sts=m.EntryStatus2Code.BOOK,
        bookg_dt=m.DateAndDateTimeChoice(dt=XmlDate.from_date(credit.booked)),
        val_dt=m.DateAndDateTimeChoice(dt=XmlDate.from_date(credit.booked)),
        acct_svcr_ref=credit.bank_ref,
        bk_tx_cd=m.BankTransactionCodeStructure4(
            domn=m.BankTransactionCodeStructure5(
                cd="PMNT",
                fmly=m.BankTransactionCodeStructure6(cd="RCDT", sub_fmly_cd="ESCT"),
            )
        ),
        ntry_dtls=[
            m.EntryDetails1(tx_dtls=[m.EntryTransaction2(rltd_pties=parties, rmt_inf=remittance)])
        ],
    )


def statement_053(credits: list[Credit], statement_id: str = "STMT-2026-11-30") -> bytes:
    """A camt.053 end-of-day statement of ``credits``."""
    m = c053
    report = _report(m, m.AccountStatement2, statement_id, credits, hour=23)
    return _xml(
        m.Document(
            bk_to_cstmr_stmt=m.BankToCustomerStatementV02(
                grp_hdr=_header(m, statement_id, hour=23), stmt=[report]
            )
        )
    )


def notification_054(credits: list[Credit], notification_id: str = "NTF-1") -> bytes:
    """A camt.054 debit/credit notification of ``credits``."""
    m = c054
    report = _report(m, m.AccountNotification2, notification_id, credits, hour=12)
    return _xml(
        m.Document(
            bk_to_cstmr_dbt_cdt_ntfctn=m.BankToCustomerDebitCreditNotificationV02(
                grp_hdr=_header(m, notification_id, hour=12), ntfctn=[report]
            )
        )
    )


def _at(hour: int) -> XmlDateTime:
    return XmlDateTime.from_datetime(datetime(2026, 11, 30, hour, 0))


def _header(m: ModuleType, report_id: str, *, hour: int) -> Any:
    return m.GroupHeader42(msg_id=f"MSG-{report_id}", cre_dt_tm=_at(hour))


def _report(m: ModuleType, kind: Any, report_id: str, credits: list[Credit], *, hour: int) -> Any:
    """A statement (Stmt) or a notification (Ntfctn) of the account, with ``credits``."""
    return kind(
        id=report_id,
        cre_dt_tm=_at(hour),
        acct=m.CashAccount20(id=m.AccountIdentification4Choice(iban=ACCOUNT)),
        ntry=[_entry(m, c) for c in credits],
    )


def _xml(document: Any) -> bytes:
    text = XmlSerializer(config=SerializerConfig(indent="  ")).render(document)
    return text.encode("utf-8")


def check_against_schema(xml: bytes, kind: str = "053") -> None:
    """Read ``xml`` strictly with the schema's bindings (no unknown element or attribute,
    every value of its type) and check that each element the schema requires is present."""
    module = c053 if kind == "053" else c054
    parser = XmlParser(
        config=ParserConfig(
            fail_on_unknown_properties=True,
            fail_on_unknown_attributes=True,
            fail_on_converter_warnings=True,
        )
    )
    _required_present(parser.from_bytes(xml, module.Document), "Document")


def _required_present(node: Any, path: str) -> None:
    if isinstance(node, list):
        for n, item in enumerate(node):
            _required_present(item, f"{path}[{n}]")
        return
    if not dataclasses.is_dataclass(node):
        return
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if field.metadata.get("required") and (value is None or value == []):
            raise AssertionError(f"{path}.{field.name}: required by the schema, missing")
        _required_present(value, f"{path}.{field.name}")
