"""Changes to a customer's record after it is made (language, identifier, copy addresses,
an address deliverable again, a shared mailbox, the channel), each logged with who, when and
why; :class:`daemon.intake.customers.CustomerService` has them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.event_words import event_text
from daemon.domain.fields import IDENTIFIER_MAX, checked_text
from daemon.domain.i18n import _, joined, ngettext
from daemon.domain.labels import field_label, language_label
from daemon.domain.models import (
    AddressRole,
    Channel,
    Customer,
    CustomerAddress,
    DeliveryKind,
    Invoice,
)
from daemon.domain.states import InvoiceState
from daemon.intake.addresses import (
    add_address,
    log_change,
    mark_deliverable,
    mark_shared,
    refuse_known_to_bounce,
)
from daemon.intake.customer_records import addresses_of, customer_email, described, recorded_email
from daemon.intake.readable import remake_readable
from daemon.outbound.address_moves import stop_unsent
from daemon.outbound.paper import moved_to_email, moved_to_paper
from daemon.outbound.planning import queue_waiting_invoices
from daemon.store.db import SessionFactory, transaction
from daemon.store.rows import take_row
from mailer.archive import Archive


class CustomerChanges:
    """The changes of :class:`~daemon.intake.customers.CustomerService` to a customer made."""

    sessions: SessionFactory
    store: Archive
    today: Callable[[], date]
    sender_address: str

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
        removing = tuple(recorded_email(a, "copy address") for a in remove_copies)
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
                stopped = await stop_unsent(
                    session,
                    gone,
                    event_text("copy_removed", by=changed_by, why=reason),
                    (DeliveryKind.COPY,),
                )
                if stopped:
                    changes.append(_("not sent to it: {what}").format(what=", ".join(stopped)))
            for email in adding:
                known = copies.get(email)
                if known is not None and known.active:
                    continue
                await refuse_known_to_bounce(session, customer_id, email)
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
        deliverable again, a retired one too (so that it can be set again); logged with who,
        when and why."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the address is deliverable again"))
        email = recorded_email(email, "email")
        async with transaction(self.sessions) as session:
            found = await addresses_of(session, customer_id, email)
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
        # the invoices that came while it was its only address, and waited for one that works
        await queue_waiting_invoices(self.sessions, customer_id, self.sender_address)
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
        email = recorded_email(email, "email")
        async with transaction(self.sessions) as session:
            found = await addresses_of(session, customer_id, email, role=AddressRole.INVOICE_TO)
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
    ) -> tuple[Customer, list[str]]:
        """Record how the customer receives invoices (e-invoices by email, or paper) and,
        for email, when and where it agreed to; logged beside its address changes. Moved to
        paper, its messages not yet sent are cancelled and its invoices wait to be posted;
        moved to email, those still waiting to be posted are queued (``outbound/paper``).
        The customer, and what became of each invoice concerned."""
        if not reason.strip():
            raise ValidationError(_("reason: say why the channel changes"))
        if channel is Channel.PAPER and (consent_on or consent_source):
            raise ValidationError(_("consent: a customer on paper has not agreed to e-invoices"))
        async with transaction(self.sessions) as session:
            # of two changes at once, the second waits here, then moves what the first left
            await take_row(session, Customer, customer_id)
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise NotFoundError(_("no customer #{customer_id}").format(customer_id=customer_id))
            old = customer.channel
            if consent_on is not None and consent_on > self.today():
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
            if channel is Channel.PAPER:
                text = event_text("to_paper", by=changed_by, why=reason)
                return customer, await moved_to_paper(session, customer_id, text)
            return customer, await moved_to_email(session, customer_id, self.sender_address)
