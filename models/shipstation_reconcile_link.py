"""The reconciliation never creates a ShipStation order for goods ShipStation may hold.

Before anything is exported again, the delivery's number is looked up in ShipStation (v1
``GET /orders?orderNumber=``, v2 ``GET /v2/shipments?shipment_number=``): an order found
is linked to the delivery (and the delivery synced), never duplicated. A delivery whose
order vanished (deleted, or merged into another order, which API v2 does not report) is
exported again only by a person who chose to, after a warning.
"""

from markupsafe import escape

from odoo import _, api, models
from odoo.exceptions import UserError

from ..lib.shipstation import fetch, fetch_v2
from ..lib.shipstation import reconcile as rec
from ..lib.shipstation.errors import ShipStationError
from ..lib.shipstation.index import FactsIndex
from ..lib.shipstation.values import int_or_none

CLOSED = ("draft", "done", "cancel")


class ShipStationReconcile(models.AbstractModel):
    _inherit = "shipstation.reconcile"

    # ------------------------------------------------------------------
    # Looking a delivery's number up
    # ------------------------------------------------------------------

    @api.model
    def _numbered_targets(self, pickings):
        return [
            fetch.Target(order_id=None, order_number=p.name, create_date=None, known=True, origin=p.origin or "")
            for p in pickings
        ]

    @api.model
    def _read_numbered(self, account, client, targets):
        """What ShipStation holds under these deliveries' numbers (one list call a number,
        two when the source document is looked up too): RemoteFacts."""
        if account.api_version == "v2":
            return fetch_v2.fetch_orders_v2(client, targets, currency=account.currency_id.name)
        return fetch.fetch_orders(client, targets)

    @api.model
    def _look_up_missing(self, account, client, deliveries, facts, budget):
        """Read by number the open deliveries whose recorded order ShipStation does not have
        and whose number the facts hold no order for (at most ``budget`` of them); their
        orders are added to ``facts``."""
        index = FactsIndex(facts)
        wanted = [
            d
            for d in deliveries
            if d.state == rec.OPEN
            and d.order_id is not None
            and d.order_id in facts.missing
            and rec.found_by_number(d, index) is None
        ][: max(budget, 0)]
        if wanted:
            pickings = self.env["stock.picking"].browse([d.id for d in wanted])
            rec.merge_facts(facts, self._read_numbered(account, client, self._numbered_targets(pickings)))
        return facts

    @api.model
    def _found_orders(self, account, pickings):
        """``{picking id: order id}`` of the orders ShipStation holds under these deliveries'
        numbers now (read again: ShipStation may have moved since the reconciliation).

        :raises UserError: when ShipStation cannot be read
        """
        client = account.sudo()._get_shipstation_client()
        try:
            with client:
                facts = self._read_numbered(account.sudo(), client, self._numbered_targets(pickings))
        except ShipStationError as error:
            raise self._read_error(account, error) from error
        index = FactsIndex(facts)
        found = {}
        for picking in pickings:
            delivery = rec.Delivery(
                id=picking.id,
                name=picking.name,
                state=rec.OPEN,
                order_id=int_or_none(picking.shipstation_order_id),
                origin=picking.origin or "",
            )
            order_id = rec.found_by_number(delivery, index)
            if order_id is not None:
                found[picking.id] = order_id
        return found

    @api.model
    def _read_error(self, account, error):
        return UserError(
            _("ShipStation could not be read for %(name)s: %(error)s", name=account.sudo().name, error=error.message)
        )

    # ------------------------------------------------------------------
    # Fixes
    # ------------------------------------------------------------------

    @api.model
    def _fix_link(self, account, pickings, found=None):
        """Link these open deliveries to the orders ShipStation holds under their numbers, then
        sync them (a manual run): nothing is exported.

        :param dict found: ``{picking id: order id}`` just read (else read here)
        :return: ``{picking id: (fixed, message)}``
        """
        self._check_rights()
        pickings = pickings.filtered(lambda p: p.state not in CLOSED)
        found = self._found_orders(account, pickings) if found is None else found
        outcomes, linked = {}, pickings.browse()
        for picking in pickings:
            order_id = found.get(picking.id)
            if order_id is None:
                outcomes[picking.id] = (False, _("ShipStation holds no order under %s any more.", picking.name))
                continue
            ref = account._shipstation_ref(order_id)
            holder = self.env["stock.picking"].search(
                [
                    ("shipstation_account_id", "=", account.id),
                    ("shipstation_order_id", "=", ref),
                    ("state", "not in", CLOSED),
                    ("id", "!=", picking.id),
                ],
                limit=1,
            )
            if holder:
                outcomes[picking.id] = (
                    False,
                    _("ShipStation order %(order)s is already the order of %(other)s.", order=ref, other=holder.name),
                )
                continue
            self._link(picking, ref)
            linked |= picking
        if linked:
            synced = self._fix_sync(account, linked)
            for picking in linked:
                _fixed, text = synced.get(picking.id, (True, ""))
                outcomes[picking.id] = (
                    True,
                    _("Linked to ShipStation order %(order)s. %(sync)s", order=picking.shipstation_order_id, sync=text),
                )
        return outcomes

    @api.model
    def _link(self, picking, ref):
        picking._message_log(
            body=escape(
                _(
                    "Linked by a reconciliation to ShipStation order %(order)s, which carries this delivery's number "
                    "(its order id was %(old)s): nothing was exported again.",
                    order=ref,
                    old=picking.shipstation_order_id or "-",
                )
            )
        )
        picking.write(
            {
                "shipstation_order_id": ref,
                # The key of the order it held no longer names this one: the outbox reads the
                # linked order's key before its first update (an upsert under the old key would
                # change the old order, or create one).
                "shipstation_order_key": False,
                "shipstation_order_status": False,
                "shipstation_survivor_order_id": False,
                "shipstation_missing_count": 0,
                "shipstation_last_sync": False,
            }
        )

    @api.model
    def _export_again_confirmed(self, account, pickings):
        """Export again, at a person's request, open deliveries whose order ShipStation does not
        have. Their numbers are looked up first: a delivery whose number ShipStation holds is
        linked to that order instead.

        :return: ``{picking id: (fixed, message)}``
        """
        self._check_rights()
        pickings = pickings.filtered(lambda p: p.state not in CLOSED)
        found = self._found_orders(account, pickings)
        to_link = pickings.filtered(lambda p: p.id in found)
        outcomes = self._fix_link(account, to_link, found) if to_link else {}
        outcomes.update(self._fix_export(account, pickings - to_link) if pickings - to_link else {})
        return outcomes
