"""A new customer's record: its fields checked, its language from its country, the namesakes
an operator must tell it apart from, and the record made with its addresses logged."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import ValidationError
from daemon.domain.fields import IDENTIFIER_MAX, NAME_MAX, checked_text
from daemon.domain.i18n import _, joined, said
from daemon.domain.models import (
    AddressRole,
    Customer,
    CustomerAddress,
)
from daemon.intake.addresses import (
    add_address,
)
from mailer.addresses import normalize_address
from mailer.errors import MessageRefused

# Where French is the language of business (France, Monaco, and France's overseas
# departments and territories, by their ISO 3166-1 codes); countries with several official
# languages take the setting, since an invoice does not say which one the buyer reads; any
# other country gets English, the other language the templates speak.
FRENCH_SPEAKING = frozenset(
    {"FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF"}
)
SEVERAL_LANGUAGES = frozenset({"BE", "CH", "LU", "CA"})


def language_for_country(country: str | None, default: str) -> str:
    """The language of the emails to a customer in ``country`` (ISO 3166-1 alpha-2)."""
    if not country or country in SEVERAL_LANGUAGES:
        return default
    return "fr" if country in FRENCH_SPEAKING else "en"


@dataclass(frozen=True)
class NewCustomer:
    name: str
    invoice_email: str | None
    copy_emails: tuple[str, ...] = ()
    vat_id: str | None = None
    identifier: str | None = None
    language: str = "fr"


def recorded_email(value: str, what: str) -> str:
    try:
        return normalize_address(value, what)
    except MessageRefused as exc:
        raise ValidationError(said(exc)) from exc


def customer_email(value: str, what: str) -> str:
    """An address a person gives for a customer, checked as :func:`recorded_email` does, and refused
    where its domain is a single label ("factures@dupont", a ".fr" forgotten): a customer's
    mailbox is on the internet, where a dotless domain takes no mail (RFC 7085)."""
    email = recorded_email(value, what)
    domain = email.rpartition("@")[2]
    if "." not in domain.strip("."):
        raise ValidationError(
            _(
                "{what}: {value} has a domain without a dot ({domain}), which takes no mail on "
                "the internet: check the address"
            ).format(what=what, value=repr(value.strip()), domain=domain)
        )
    return email


def checked_customer(
    data: NewCustomer, *, columns: bool = False
) -> tuple[NewCustomer | None, list[str]]:
    """``data`` made tidy (its name's spaces, its addresses as recorded), or None and every
    field that is wrong, not only the first, each said with its field's name: its CSV
    column's where ``columns`` (the file names them so), else as the operator reads it."""
    problems: list[str] = []
    invoice_field = "invoice_email" if columns else _("the invoice address")
    copy_field = "copy_emails" if columns else _("the copy address")

    def attempt(check: Callable[[], str]) -> str | None:
        try:
            return check()
        except ValidationError as exc:
            problems.append(str(exc))
            return None

    attempt(functools.partial(checked_text, data.name, "name", NAME_MAX))
    if not data.name.split():
        problems.append(_("name: must not be empty"))
    attempt(functools.partial(checked_text, data.vat_id or "", "vat_id", IDENTIFIER_MAX))
    attempt(functools.partial(checked_text, data.identifier or "", "identifier", IDENTIFIER_MAX))
    if data.language not in ("fr", "en"):
        problems.append(
            _("language: {language} is not one of fr, en").format(language=repr(data.language))
        )
    invoice = (
        attempt(functools.partial(customer_email, data.invoice_email, invoice_field))
        if data.invoice_email
        else None
    )
    copies = [
        attempt(functools.partial(customer_email, c, copy_field))
        for c in data.copy_emails
        if c.strip()
    ]
    if problems:
        return None, problems
    return NewCustomer(
        " ".join(data.name.split()),
        invoice,
        tuple(c for c in dict.fromkeys(copies) if c is not None and c != invoice),
        (data.vat_id or "").strip() or None,
        (data.identifier or "").strip() or None,
        data.language,
    ), []


def validate_new_customer(data: NewCustomer) -> NewCustomer:
    """``data`` made tidy, or :class:`ValidationError` naming every field that is wrong."""
    customer, problems = checked_customer(data)
    if customer is None:
        raise ValidationError(joined(problems))
    return customer


async def already_recorded(session: AsyncSession, data: NewCustomer) -> list[Customer]:
    """The customers ``data`` would be a second record of: one with its identifier or its VAT
    id, or one with its name that no identifier or VAT id given by both tells apart."""
    found: dict[int | None, Customer] = {}
    for column, value in ((Customer.identifier, data.identifier), (Customer.vat_id, data.vat_id)):
        if value:
            for known in (await session.exec(select(Customer).where(col(column) == value))).all():
                found[known.id] = known
    for known in await namesakes(session, data.name, data.identifier, data.vat_id):
        found[known.id] = known
    return sorted(found.values(), key=lambda c: c.id or 0)


async def namesakes(
    session: AsyncSession, name: str, identifier: str | None, vat_id: str | None
) -> list[Customer]:
    """The customers named ``name`` (case-insensitive) that no identifier or VAT id given by
    both tells apart from the one described, by their #N: a namesake with another
    identifier is another company."""
    same_name = (
        select(Customer).where(func.lower(Customer.name) == name.lower()).order_by(col(Customer.id))
    )
    return [
        known
        for known in (await session.exec(same_name)).all()
        if not any(
            ours and theirs and ours != theirs
            for ours, theirs in ((identifier, known.identifier), (vat_id, known.vat_id))
        )
    ]


class Named(Protocol):
    """A customer as a record or a row of a listing: what tells it apart."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def vat_id(self) -> str | None: ...
    @property
    def identifier(self) -> str | None: ...


def described(customer: Named) -> str:
    """``#1 Boulangerie Dupont (VAT id FR44…, identifier C-1)``, to pick it by."""
    return told_apart(f"#{customer.id} {customer.name}", customer.vat_id, customer.identifier)


def told_apart(said: str, vat_id: str | None, identifier: str | None) -> str:
    """``said`` followed by what tells a company apart: ``Dupont (VAT id FR44…, identifier
    C-1)``; ``said`` alone when it has neither."""
    marks = [
        text.format(value=value)
        for text, value in ((_("VAT id {value}"), vat_id), (_("identifier {value}"), identifier))
        if value
    ]
    return f"{said} ({', '.join(marks)})" if marks else said


async def create_customer(
    session: AsyncSession,
    data: NewCustomer,
    who: str,
    source: str,
    why: str,
    shared: Collection[str] = (),
) -> Customer:
    customer = Customer(
        name=data.name, vat_id=data.vat_id, identifier=data.identifier, language=data.language
    )
    session.add(customer)
    await session.flush()
    if data.invoice_email:
        await add_address(
            session, customer, data.invoice_email, AddressRole.INVOICE_TO, who, why, source, shared
        )
    for copy in data.copy_emails:
        await add_address(session, customer, copy, AddressRole.COPY, who, why, source)
    return customer


async def addresses_of(
    session: AsyncSession,
    customer_id: int,
    email: str,
    *,
    active: bool | None = None,
    role: AddressRole | None = None,
) -> list[CustomerAddress]:
    """The customer's address rows for ``email`` (only active ones, or of ``role``)."""
    query = select(CustomerAddress).where(
        CustomerAddress.customer_id == customer_id, CustomerAddress.email == email
    )
    if active is not None:
        query = query.where(col(CustomerAddress.active).is_(active))
    if role is not None:
        query = query.where(CustomerAddress.role == role.value)
    return list((await session.exec(query)).all())
