"""Customers and their invoice addresses; every address change is logged, append-only."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NEAR_SHOWN, AmbiguousError, NotFoundError, ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.fields import IDENTIFIER_MAX, NAME_MAX, checked_text
from daemon.domain.i18n import _, joined, ngettext, said
from daemon.domain.labels import field_label, language_label
from daemon.domain.models import (
    AddressChange,
    AddressRole,
    Channel,
    Customer,
    CustomerAddress,
    Invoice,
)
from daemon.domain.states import InvoiceState
from daemon.intake.addresses import (
    AddressSet,
    add_address,
    log_change,
    mark_deliverable,
    mark_shared,
    put_invoice_address,
)
from daemon.intake.readable import remake_readable
from daemon.outbound.planning import queue_waiting_invoices
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import take_lock, take_row
from mailer.addresses import normalize_address
from mailer.archive import Archive
from mailer.errors import MessageRefused

if TYPE_CHECKING:
    from daemon.intake.customer_csv import ImportedRow

log = logging.getLogger(__name__)


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


def _email(value: str, what: str) -> str:
    try:
        return normalize_address(value, what)
    except MessageRefused as exc:
        raise ValidationError(said(exc)) from exc


def customer_email(value: str, what: str) -> str:
    """An address a person gives for a customer, checked as :func:`_email` does, and refused
    where its domain is a single label ("factures@dupont", a ".fr" forgotten): a customer's
    mailbox is on the internet, where a dotless domain takes no mail (RFC 7085)."""
    email = _email(value, what)
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


class CustomerService:
    def __init__(
        self,
        sessions: SessionFactory,
        sender_address: str,
        store: Archive,
        shared_mailboxes: Collection[str] = (),
    ):
        self.sessions = sessions
        self.sender_address = sender_address
        self.store = store
        """The invoice files, and the readable PDFs made from them."""
        self.shared = tuple(shared_mailboxes)
        """The admin's names of shared invoice mailboxes, beside the shipped ones."""

    async def add(
        self,
        data: NewCustomer,
        *,
        changed_by: str,
        source: str = "cli",
        reason: str = event_text("customer_created"),
    ) -> Customer:
        data = validate_new_customer(data)
        async with transaction(self.sessions) as session:
            # of two adds of one customer at once, the second waits here, then finds it
            await take_lock(session, "customers")
            known = await already_recorded(session, data)
            if known:  # a second record would split the customer's invoices and history
                raise ValidationError(
                    _(
                        "{name} is already a customer: {known}. Give it its invoice address "
                        "(customers set-address), or tell the new one apart by a VAT id or an "
                        "identifier of its own"
                    ).format(name=data.name, known=joined(map(described, known)))
                )
            customer = await create_customer(session, data, changed_by, source, reason, self.shared)
        await queue_waiting_invoices(self.sessions, customer.id, self.sender_address)
        return customer

    async def import_csv(
        self, path: Path, *, changed_by: str, dry_run: bool = False
    ) -> list[ImportedRow]:
        """Create or update customers from a CSV (see ``customer_csv``); all rows or none."""
        from daemon.intake.customer_csv import import_customers

        return await import_customers(
            self.sessions,
            self.sender_address,
            path,
            changed_by=changed_by,
            dry_run=dry_run,
            shared=self.shared,
        )

    async def set_invoice_address(
        self,
        customer_id: int,
        email: str,
        *,
        changed_by: str,
        reason: str,
        source: str = "cli",
        shared_because: str | None = None,
        then: Callable[[AsyncSession, AddressSet], Awaitable[None]] | None = None,
    ) -> AddressSet:
        """Make ``email`` the customer's central invoice mailbox (see
        :func:`put_invoice_address`), then queue the invoices that waited for it. With
        ``shared_because``, it is marked a shared mailbox for that reason; ``then`` does more
        in the same transaction (all of it is applied, or none)."""
        email = customer_email(email, _("the new invoice address"))
        if not reason.strip():
            raise ValidationError(_("reason: say why the invoice address changes"))
        async with transaction(self.sessions) as session:
            done = await put_invoice_address(
                session, customer_id, email, changed_by, reason, source, self.shared
            )
            if shared_because is not None:
                await mark_shared(session, done.address, True, changed_by, shared_because, source)
            if then is not None:
                await then(session, done)
        await queue_waiting_invoices(self.sessions, customer_id, self.sender_address)
        return done

    async def edit(
        self,
        customer_id: int,
        *,
        changed_by: str,
        reason: str,
        language: str | None = None,
        identifier: str | None = None,
        add_copies: tuple[str, ...] = (),
        remove_copies: tuple[str, ...] = (),
        source: str = "cli",
    ) -> list[str]:
        """Change a customer's language, identifier or copy addresses; each change logged
        with who, when and why. What changed, in words (empty: nothing did)."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the customer changes"))
        if language is not None and language not in ("fr", "en"):
            raise ValidationError(
                _("language: {language} is not one of fr, en").format(language=repr(language))
            )
        if identifier is not None:
            checked_text(identifier, "identifier", IDENTIFIER_MAX)
        adding = tuple(customer_email(a, _("the copy address")) for a in add_copies)
        removing = tuple(_email(a, "copy address") for a in remove_copies)
        changes: list[str] = []
        async with transaction(self.sessions) as session:
            # the customer's row first: of two edits at once, the second waits here, then
            # sees the first's (a copy address added twice would break its uniqueness)
            await take_row(session, Customer, customer_id)
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(_("no customer #{customer_id}").format(customer_id=customer_id))
            if identifier:
                taken = (
                    await session.exec(
                        select(Customer).where(
                            Customer.identifier == identifier, Customer.id != customer_id
                        )
                    )
                ).all()
                if taken:
                    raise ValidationError(
                        _("identifier {identifier} is another customer's: {known}").format(
                            identifier=identifier, known=joined(map(described, taken))
                        )
                    )
            relanguaged = language is not None and language != customer.language
            for field, new in (("language", language), ("identifier", identifier)):
                old = getattr(customer, field)
                if new is not None and new != old:
                    setattr(customer, field, new)
                    await log_change(
                        session, customer_id, None, field, old, new, changed_by, reason, source
                    )
                    changes.append(f"{field_label(field)} {old or '-'} → {new}")
            session.add(customer)
            if relanguaged:  # the PDFs not sent yet follow the messages' language
                remade = await self._remake_readables(session, customer_id, customer.language)
                if remade:
                    changes.append(
                        ngettext(
                            "the PDF of {count} invoice not sent yet made again in {language}",
                            "the PDFs of {count} invoices not sent yet made again in {language}",
                            remade,
                        ).format(count=remade, language=language_label(customer.language))
                    )
            copies = {
                a.email: a
                for a in (
                    await session.exec(
                        select(CustomerAddress).where(
                            CustomerAddress.customer_id == customer_id,
                            CustomerAddress.role == AddressRole.COPY,
                        )
                    )
                ).all()
            }
            for email in removing:
                gone = copies.get(email)
                if gone is None or not gone.active:
                    raise NotFoundError(
                        _("{email} is not a copy address of {name}").format(
                            email=email, name=customer.name
                        )
                    )
                gone.active = False
                session.add(gone)
                await log_change(
                    session, customer_id, gone.id, "copy", email, None, changed_by, reason, source
                )
                changes.append(_("copy {email} removed").format(email=email))
            for email in adding:
                known = copies.get(email)
                if known is not None and known.active:
                    continue
                if known is not None:
                    known.active = True
                    session.add(known)
                    await log_change(
                        session,
                        customer_id,
                        known.id,
                        "copy",
                        None,
                        email,
                        changed_by,
                        reason,
                        source,
                    )
                else:
                    await add_address(
                        session, customer, email, AddressRole.COPY, changed_by, reason, source
                    )
                changes.append(_("copy {email} added").format(email=email))
        return changes

    async def _remake_readables(
        self, session: AsyncSession, customer_id: int, language: str
    ) -> int:
        """Make again, in ``language``, the readable PDF of each of the customer's invoices
        that no message has carried yet (and that may still be sent); how many changed."""
        never_sent = (InvoiceState.WITHDRAWN.value, InvoiceState.DISCARDED.value)
        waiting = (
            await session.exec(
                select(Invoice).where(
                    Invoice.customer_id == customer_id,
                    col(Invoice.readable_sha256).is_not(None),
                    col(Invoice.state).not_in(never_sent),
                )
            )
        ).all()
        return sum([await remake_readable(session, self.store, i, language) for i in waiting])

    async def mark_deliverable(
        self, customer_id: int, email: str, *, changed_by: str, reason: str, source: str = "cli"
    ) -> CustomerAddress:
        """Mark a customer's address that was marked undeliverable (by a hard bounce)
        deliverable again; logged with who, when and why."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the address is deliverable again"))
        email = _email(email, "email")
        async with transaction(self.sessions) as session:
            found = await _addresses_of(session, customer_id, email, active=True)
            if not found:
                raise NotFoundError(
                    _("{email} is not an address of customer #{customer_id}").format(
                        email=email, customer_id=customer_id
                    )
                )
            marked = [a for a in found if a.undeliverable]
            if not marked:
                raise ValidationError(
                    _("{email} is not marked undeliverable: nothing to change").format(email=email)
                )
            for address in marked:
                await mark_deliverable(session, address, changed_by, reason, source)
        return marked[0]

    async def mark_shared(
        self,
        customer_id: int,
        email: str,
        shared: bool,
        *,
        changed_by: str,
        reason: str,
        source: str = "cli",
    ) -> bool:
        """Say by hand whether the customer's invoice address ``email`` is a shared invoice
        mailbox or a person's; logged. False when it was marked so already."""
        if not reason.strip():
            raise ValidationError(_("reason: say how you know who reads this address"))
        email = _email(email, "email")
        async with transaction(self.sessions) as session:
            found = await _addresses_of(session, customer_id, email, role=AddressRole.INVOICE_TO)
            address = found[0] if found else None
            if address is None:
                raise NotFoundError(
                    _("{email} is not an invoice address of customer #{customer_id}").format(
                        email=email, customer_id=customer_id
                    )
                )
            return await mark_shared(session, address, shared, changed_by, reason, source)

    async def set_channel(
        self,
        customer_id: int,
        channel: Channel,
        *,
        consent_on: date | None,
        consent_source: str | None,
        changed_by: str,
        reason: str,
        source: str = "cli",
    ) -> Customer:
        """Record how the customer receives invoices (e-invoices by email, or paper) and,
        for email, when and where it agreed to; logged beside its address changes."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the channel changes"))
        if channel is Channel.PAPER and (consent_on or consent_source):
            raise ValidationError(_("consent: a customer on paper has not agreed to e-invoices"))
        async with transaction(self.sessions) as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(_("no customer #{customer_id}").format(customer_id=customer_id))
            old = customer.channel
            if consent_on is not None and consent_on > date.today():
                raise ValidationError(
                    _("--consent-on: {consent_on} is in the future").format(consent_on=consent_on)
                )
            customer.channel = channel.value
            customer.consent_on = consent_on if channel is Channel.EMAIL else None
            customer.consent_source = consent_source if channel is Channel.EMAIL else None
            session.add(customer)
            consent = f" (consent {consent_on}: {consent_source})" if consent_on else ""
            await log_change(
                session,
                customer_id,
                None,
                "channel",
                old,
                channel.value + consent,
                changed_by,
                reason,
                source,
            )
            return customer

    async def get(self, customer_id: int) -> Customer:
        async with self.sessions() as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(_("no customer #{customer_id}").format(customer_id=customer_id))
            return customer

    async def find(self, key: str, *, customer_id: int | None = None) -> Customer:
        """The one customer whose VAT id, identifier or name (any case) is ``key``, or
        ``#N`` for customer N; with ``customer_id``, that customer. Several fit: refused,
        listing them."""
        if customer_id is not None or (key.startswith("#") and key[1:].isdigit()):
            return await self.get(customer_id if customer_id is not None else int(key[1:]))
        async with self.sessions() as session:
            stmt = (
                select(Customer)
                .where(
                    or_(
                        col(Customer.vat_id) == key,
                        col(Customer.identifier) == key,
                        func.lower(Customer.name) == key.lower(),
                    )
                )
                .order_by(col(Customer.id))
            )
            found = (await session.exec(stmt)).all()
        if not found:
            near, count = await self._near(key)
            raise NotFoundError(_("no customer matches {key}").format(key=repr(key)), near, count)
        if len(found) > 1:
            raise AmbiguousError(
                _("customer {key}").format(key=repr(key)),
                [
                    f"#{c.id} {c.name}"
                    + (_(", VAT {vat}").format(vat=c.vat_id) if c.vat_id else "")
                    + (_(", identifier {id}").format(id=c.identifier) if c.identifier else "")
                    for c in found
                ],
                _("Name one as #N (or --id N)."),
            )
        return found[0]

    async def _near(self, key: str) -> tuple[list[str], int]:
        """Up to NEAR_SHOWN customers whose name or identifier holds ``key`` (any case),
        each as the operator names it (#N), and how many there are in all."""
        holds = or_(
            func.lower(Customer.name).contains(key.lower(), autoescape=True),
            col(Customer.identifier).contains(key, autoescape=True),
        )
        async with self.sessions() as session:
            count = (
                await session.exec(select(func.count()).select_from(Customer).where(holds))
            ).one()
            near = (
                await session.exec(
                    select(Customer).where(holds).order_by(col(Customer.id)).limit(NEAR_SHOWN)
                )
            ).all()
        return [f"#{c.id} {c.name}" for c in near], int(count)

    async def addresses(self, customer_id: int) -> Sequence[CustomerAddress]:
        async with self.sessions() as session:
            return (
                await session.exec(
                    select(CustomerAddress)
                    .where(CustomerAddress.customer_id == customer_id)
                    .order_by(col(CustomerAddress.id))
                )
            ).all()

    async def history(self, customer_id: int) -> Sequence[AddressChange]:
        async with self.sessions() as session:
            return (
                await session.exec(
                    select(AddressChange)
                    .where(AddressChange.customer_id == customer_id)
                    .order_by(col(AddressChange.changed_at), col(AddressChange.id))
                )
            ).all()

    async def list(self) -> Sequence[Customer]:
        async with self.sessions() as session:
            return (await session.exec(select(Customer).order_by(col(Customer.name)))).all()


async def _addresses_of(
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
