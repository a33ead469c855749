"""What a person does from the attention queue to the item selected: deal with it, set the
customer's invoice address, mark an address deliverable again, send again, open the original,
tie a message, assign a payment; each asks for a reason, goes through the services and is
recorded."""

from __future__ import annotations

from daemon.app.attention import AttentionItem
from daemon.app.operator import current_operator
from daemon.domain.attention import ABOUT_A_MESSAGE, CLOSED_BY_HAND, AttentionKind
from daemon.domain.i18n import _
from daemon.domain.labels import kind_label
from tui.dialogs import Answer
from tui.loading import LoadingScreen
from tui.markup import escape
from tui.message import OriginalScreen


class AttentionActions(LoadingScreen):
    """The attention screen's actions; the screen says which item is selected."""

    def _selected(self) -> AttentionItem | None:
        raise NotImplementedError

    def action_dismiss_item(self) -> None:
        item = self._selected()
        if item is None:
            return
        kind = AttentionKind(item.kind)
        if kind not in CLOSED_BY_HAND:
            self.notify(
                escape(
                    _("{label}: {value}").format(label=kind_label(kind.value), value=_(item.hint))
                ),
                title=_("Closes by itself"),
            )
            return

        async def then(answer: Answer) -> str:
            await self.services.attention.resolve(
                kind, item.ref, by=current_operator(), how=answer.reason
            )
            return _("{kind} #{ref} dealt with: {reason}").format(
                kind=kind_label(kind.value), ref=item.ref, reason=answer.reason
            )

        title = _("Mark {kind} #{ref} as dealt with").format(
            kind=kind_label(kind.value), ref=item.ref
        )
        self.ask(title, then)

    def action_set_address(self) -> None:
        item = self._selected()
        if item is None or item.customer_id is None:
            self.notify(_("Select an item about a customer first."), title=_("Set address"))
            return
        customer_id = item.customer_id

        async def then(answer: Answer) -> str:
            done = await self.services.customers.set_invoice_address(
                customer_id,
                answer.value,
                changed_by=current_operator(),
                reason=answer.reason,
                source="tui",
            )
            return done.said()

        title = _("Invoice address of {customer}").format(customer=item.customer)
        self.ask(title, then, asks=_("The new invoice address:"))

    def action_deliverable(self) -> None:
        item = self._selected()
        if item is None or item.address is None or item.customer_id is None:
            self.notify(_("Select an undeliverable address first."), title=_("Deliverable again"))
            return
        customer_id, email = item.customer_id, item.address

        async def then(answer: Answer) -> str:
            await self.services.customers.mark_deliverable(
                customer_id,
                email,
                changed_by=current_operator(),
                reason=answer.reason,
                source="tui",
            )
            return _("{email} is deliverable again").format(email=email)

        self.ask(_("Mark {email} deliverable again").format(email=email), then)

    def action_resend(self) -> None:
        item = self._selected()
        if item is None or item.invoice_id is None:
            self.notify(_("Select an item about an invoice first."), title=_("Resend"))
            return
        invoice_id = item.invoice_id

        async def then(answer: Answer) -> str:
            delivery = await self.services.resend(
                invoice_id, by=current_operator(), reason=answer.reason
            )
            return _("re-send to {email} queued").format(email=delivery.recipient)

        title = _("Send invoice {number} again to the customer's invoice address").format(
            number=item.invoice_number
        )
        self.ask(title, then)

    def action_open_original(self) -> None:
        item = self._selected()
        if item is None or AttentionKind(item.kind) not in ABOUT_A_MESSAGE:
            self.notify(_("Select a message that came back first."), title=_("Original"))
            return
        self.app.push_screen(OriginalScreen(self.services, inbound_id=item.ref))

    def action_tie(self) -> None:
        item = self._selected()
        if item is None or item.kind not in (
            AttentionKind.UNRECOGNIZED.value,
            AttentionKind.QUARANTINED.value,
        ):
            self.notify(_("Select an unrecognized or quarantined message first."), title=_("Tie"))
            return
        ref = item.ref

        async def then(answer: Answer) -> str:
            invoice = await self.services.queries.find_invoice_named(answer.value)
            delivery = await self.services.tie_message(
                ref,
                invoice.number,
                invoice_id=invoice.id,
                by=current_operator(),
                reason=answer.reason,
            )
            return _("message #{ref} tied to {number} ({email})").format(
                ref=ref, number=invoice.number, email=delivery.recipient
            )

        asks = _("The invoice number it is about (NUMBER #N when several share it):")
        self.ask(_("Tie message #{ref} to an invoice").format(ref=ref), then, asks=asks)

    def action_assign_payment(self) -> None:
        item = self._selected()
        if item is None or item.kind != AttentionKind.PAYMENT_WAITING.value:
            self.notify(_("Select a waiting payment first."), title=_("Assign payment"))
            return
        ref = item.ref

        async def then(answer: Answer) -> str:
            ids = []
            for number in answer.value.split(","):
                found = await self.services.queries.find_invoice_named(number)
                assert found.id is not None
                ids.append(found.id)
            await self.services.payments.assign(
                ref, ids, by=current_operator(), reason=answer.reason
            )
            return _("payment #{id} applied to {numbers}").format(id=ref, numbers=answer.value)

        asks = _(
            "The invoice number(s) it pays, separated by commas (NUMBER #N when several share it):"
        )
        self.ask(_("Assign payment #{ref}").format(ref=ref), then, asks=asks)
