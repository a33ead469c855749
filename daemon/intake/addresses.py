"""A customer's invoice and copy addresses, and the append-only log of every change to them
(who, when, why, and from where)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.event_words import shown
from daemon.domain.i18n import _
from daemon.domain.mailboxes import is_shared_mailbox
from daemon.domain.models import AddressChange, AddressRole, Channel, Customer, CustomerAddress
from daemon.outbound.address_moves import Followed, follow_new_address
from daemon.store.ledger import chain_address_change
from daemon.store.rows import take_row


async def log_change(
    session: AsyncSession,
    customer_id: int,
    address_id: int | None,
    field: str,
    old: str | None,
    new: str | None,
    who: str,
    why: str,
    source: str,
) -> None:
    await chain_address_change(
        session,
        AddressChange(
            customer_id=customer_id,
            address_id=address_id,
            field=field,
            old_value=old,
            new_value=new,
            changed_by=who,
            reason=why,
            source=source,
        ),
    )


async def add_address(
    session: AsyncSession,
    customer: Customer,
    email: str,
    role: AddressRole,
    who: str,
    why: str,
    source: str,
    shared: Collection[str] = (),
) -> CustomerAddress:
    """A new address; an invoice address is marked a shared mailbox when its name says so
    (``daemon.domain.mailboxes``, with the admin's ``shared`` names)."""
    assert customer.id is not None
    address = CustomerAddress(
        customer_id=customer.id,
        email=email,
        role=role,
        central_mailbox=role == AddressRole.INVOICE_TO and is_shared_mailbox(email, shared),
    )
    session.add(address)
    await session.flush()
    await log_change(session, customer.id, address.id, role.value, None, email, who, why, source)
    return address


async def put_invoice_address(
    session: AsyncSession,
    customer_id: int,
    email: str,
    changed_by: str,
    reason: str,
    source: str,
    shared: Collection[str] = (),
    *,
    sender_address: str,
    same_is_unchanged: bool = False,
) -> AddressSet:
    """In ``session``: make ``email`` (already checked) the customer's invoice address, the
    previous one retired; a new address is marked a shared mailbox when its name says so.
    Every change is logged with who, when and why. An address a hard bounce marked
    undeliverable is refused, never cleared on the way (invoices and reminders would go to an
    address known to bounce): a person marks it deliverable first. With
    ``same_is_unchanged`` (a customer file that still names the current address: an export
    nobody updated), that address is left as it is, mark and all. Invoices and reminders not
    yet sent to the address retired go to the new one (``outbound/address_moves``)."""
    # the customer's row first: of two changes at once, the second waits here and then sees
    # the first's (else both retired the old address and each left its own active)
    await take_row(session, Customer, customer_id)
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(_("no customer #{id}").format(id=customer_id))
    addresses = (
        await session.exec(
            select(CustomerAddress).where(
                CustomerAddress.customer_id == customer_id,
                CustomerAddress.role == AddressRole.INVOICE_TO,
            )
        )
    ).all()
    current = [a for a in addresses if a.active]
    on_paper = customer.channel == Channel.PAPER.value
    if [a.email for a in current] == [email] and (
        same_is_unchanged or not current[0].undeliverable
    ):
        return AddressSet(current[0], changed=False, on_paper=on_paper)
    await refuse_known_to_bounce(session, customer_id, email)
    for old in current:
        if old.email == email:
            continue
        old.active = False
        session.add(old)
        await log_change(
            session,
            customer_id,
            old.id,
            "invoice_to",
            old.email,
            email,
            changed_by,
            reason,
            source,
        )
    address = next((a for a in addresses if a.email == email), None)
    if address is None:
        address = CustomerAddress(
            customer_id=customer_id,
            email=email,
            role=AddressRole.INVOICE_TO,
            central_mailbox=is_shared_mailbox(email, shared),
        )
    address.active = True  # an address set again keeps what it was marked (shared or not)
    session.add(address)
    await session.flush()
    if not current:
        await log_change(
            session,
            customer_id,
            address.id,
            "invoice_to",
            None,
            email,
            changed_by,
            reason,
            source,
        )
    followed = await follow_new_address(
        session, current, address, sender_address=sender_address, by=changed_by, why=reason
    )
    return AddressSet(address, changed=True, followed=followed, on_paper=on_paper)


async def refuse_known_to_bounce(session: AsyncSession, customer_id: int, email: str) -> None:
    """Refuse ``email`` as a new invoice or copy address of the customer when a hard bounce
    marked it undeliverable, as either (a person marks it deliverable first)."""
    known = (
        await session.exec(
            select(CustomerAddress).where(
                CustomerAddress.customer_id == customer_id,
                # a case variant is the same mailbox (RFC 5321 2.4 discourages others)
                func.lower(CustomerAddress.email) == email.lower(),
                col(CustomerAddress.undeliverable).is_(True),
            )
        )
    ).first()
    if known is not None:
        raise ValidationError(still_undeliverable(known))


def still_undeliverable(address: CustomerAddress) -> str:
    """Why an address marked undeliverable is not taken (as the invoice address or a copy),
    and the way to take it when the customer says it receives mail again."""
    if address.active and address.role == AddressRole.INVOICE_TO:
        said = _(
            "{email} is the invoice address, marked undeliverable ({reason}): if the customer "
            "has confirmed that it receives mail again, mark it deliverable (customers "
            "deliverable, or u in the TUI)"
        )
    else:
        said = _(
            "{email} is marked undeliverable ({reason}): if the customer has confirmed that "
            "it receives mail again, mark it deliverable first (customers deliverable, or u "
            "in the TUI), then try again"
        )
    return said.format(email=address.email, reason=shown(address.undeliverable_reason))


@dataclass(frozen=True)
class AddressSet:
    """What setting an invoice address did: the address, whether anything changed, and
    what became of the messages on their way to the address it replaced."""

    address: CustomerAddress
    changed: bool
    followed: Followed = field(default_factory=Followed)
    on_paper: bool = False
    """Its customer receives its invoices on paper (``outbound/paper``)."""

    def said(self) -> str:
        """What it did, for a person: where invoices go, and what followed them there."""
        if self.on_paper:
            return _(
                "{email} is its invoice address; it receives its invoices on paper: none is "
                "emailed until its channel is email (customers channel)"
            ).format(email=self.address.email)
        if not self.changed:
            return _("invoices already go to {email}").format(email=self.address.email)
        said = _("invoices now go to {email}").format(email=self.address.email)
        followed = self.followed.said()
        return _("{said}; {more}").format(said=said, more=followed) if followed else said


async def mark_deliverable(
    session: AsyncSession, address: CustomerAddress, who: str, why: str, source: str
) -> None:
    """Clear an address's undeliverable mark, logged."""
    address.undeliverable, address.undeliverable_reason = False, None
    session.add(address)
    await log_change(
        session, address.customer_id, address.id, "undeliverable", "true", "false", who, why, source
    )


async def mark_shared(
    session: AsyncSession, address: CustomerAddress, shared: bool, who: str, why: str, source: str
) -> bool:
    """Mark an address a shared invoice mailbox, or a person's, by hand; logged. False when
    it was marked so already."""
    if address.central_mailbox == shared:
        return False
    old = "true" if address.central_mailbox else "false"
    address.central_mailbox = shared
    session.add(address)
    await log_change(
        session,
        address.customer_id,
        address.id,
        "central_mailbox",
        old,
        "true" if shared else "false",
        who,
        why,
        source,
    )
    return True
