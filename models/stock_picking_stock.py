"""Stock operations of a sync on deliveries: set the quantities ShipStation shipped,
validate (the rest to backorders), split off what ShipStation's order does not hold,
cancel (with the pick/pack transfers that only feed them)."""

from markupsafe import Markup, escape

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..lib.shipstation import messages as msg
from ..lib.shipstation.planner import BACKORDER_WAITING
from ..texts import render
from .stock_picking import shipstation_sku

#: ``shipstation_validation`` keeps stock_delivery from sending the delivery to its carrier:
#: ShipStation already bought the label.
VALIDATE_CONTEXT = {"skip_backorder": True, "skip_sms": True, "skip_expired": True, "shipstation_validation": True}


class StockPicking(models.Model):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _shipstation_allocate(self, quantities, reserved=True):
        """The one walk that shares ``quantities`` out over this delivery's open moves, in order.

        Each move takes of its SKU what is left, at most its reservation (``reserved``) or its
        demand, both in the product's unit.

        :param dict quantities: ``{sku: qty in the product's unit}``
        :return: iterator of ``(move, product unit, quantity taken, the move's limit)``
        """
        self.ensure_one()
        left = dict(quantities or {})
        # Iterated, not filtered: ``filtered`` would narrow the prefetch to this delivery's
        # moves, and a chunk of deliveries would read its moves one delivery at a time.
        for move in self.move_ids:
            if move.state in ("done", "cancel"):
                continue
            unit = move.product_id.uom_id
            sku = shipstation_sku(move.product_id)
            if reserved:
                limit = move.product_uom._compute_quantity(move.quantity, unit, round=False)
            else:
                limit = move.product_qty
            qty = min(left.get(sku, 0.0), limit)
            left[sku] = left.get(sku, 0.0) - qty
            yield move, unit, qty, limit

    def _shipstation_prepare_validation(self, quantities):
        """Set the quantities to ship of these deliveries: the ones ShipStation shipped.

        Shipped quantities are taken from what each move has reserved, so stock is never
        forced out of a location that does not hold it (the planner only validates when
        the reservations cover what shipped), and exactly, whatever the moves' unit. The
        moves that ship their whole reservation in the product's unit (most of them) are
        marked picked in one write; only the others are set one by one.

        :param dict quantities: ``{picking id: {sku: qty in the product's unit}}``
        :raises UserError: when nothing is reserved on one of them
        """
        whole = self.env["stock.move"]
        for picking in self:
            shipping = False
            for move, unit, qty, reserved in picking._shipstation_allocate(quantities.get(picking.id)):
                if float_is_zero(qty, precision_rounding=unit.rounding):
                    move._shipstation_set_quantity(0.0)
                    continue
                shipping = True
                if move.product_uom == unit and float_compare(qty, reserved, precision_rounding=unit.rounding) == 0:
                    whole |= move
                else:
                    # In part, or kept in another unit (which may not hold the quantity exactly).
                    move._shipstation_set_quantity(qty)
            if not shipping:
                raise UserError(_("Nothing reserved to ship: check the stock of %s.", picking.name))
        # Every line, even of a move a picker began: Odoo validates only the picked lines of a picked move.
        whole.write({"picked": True})
        self._shipstation_unpack_partial_packages()

    def _shipstation_unpack_partial_packages(self):
        """Goods taken out of a package that does not leave whole leave without it (the
        package stays in stock with the rest), as when shipping part of a package by hand."""
        lines = self.move_line_ids.filtered(lambda ml: ml.package_id and ml.result_package_id == ml.package_id)
        for picking, package in {(ml.picking_id, ml.package_id) for ml in lines}:
            own = lines.filtered(lambda ml, p=package, d=picking: ml.package_id == p and ml.picking_id == d)
            taken = sum(own.filtered("picked").mapped("quantity_product_uom"))
            content = sum(package.quant_ids.filtered(lambda q: q.location_id.usage == "internal").mapped("quantity"))
            if float_compare(taken, content, precision_digits=6) < 0:
                own.write({"result_package_id": False})

    def _shipstation_validate(self):
        """Validate these deliveries, their quantities set; the rest goes to backorders.

        :return: ``{picking id: [Message]}`` for the chatter
        :raises UserError: when Odoo did not validate one of them
        """
        # As superuser (the user stays the author): Odoo's own notes, such as the backorder's,
        # then never fail because the user who started the sync has no e-mail address.
        self.sudo().with_context(**VALIDATE_CONTEXT).button_validate()
        notes = {}
        for picking in self:
            if picking.state != "done":
                raise UserError(
                    _("Odoo did not validate %(name)s (it is %(state)s).", name=picking.name, state=picking.state)
                )
            notes[picking.id] = [msg.message(msg.VALIDATED)]
            picking._shipstation_tell_sale()
            backorders = picking.backorder_ids.filtered("is_exported_to_shipstation")
            if backorders:
                # What the next sync will find for them, so it has nothing to change.
                backorders.write(
                    dict(self._shipstation_message_values(BACKORDER_WAITING), shipstation_sync_state="waiting")
                )
                notes[picking.id].append(msg.message(msg.BACKORDER_CREATED, names=backorders.mapped("name")))
        return notes

    def _shipstation_tell_sale(self):
        """An internal note on the sale order for customer service: what shipped, with which
        carrier (nothing reaches the customer: the delivery's own e-mail does that)."""
        sale = self.sale_id if "sale_id" in self._fields else False
        parcels = self.shipstation_shipment_ids.filtered(lambda p: not p.voided and p.tracking_number)
        if not sale or not parcels:
            return
        lines = [
            Markup('<a href="%s" target="_blank">%s</a> (%s)')
            % (p.tracking_url, p.tracking_number, p.carrier_code or "?")
            if p.tracking_url
            else escape("%s (%s)" % (p.tracking_number, p.carrier_code or "?"))
            for p in parcels
        ]
        text = render(msg.message(msg.SALE_SHIPPED, name=self.name), self.env.lang)
        sale.sudo()._message_log(body=escape(text) + Markup("<br/>") + Markup("<br/>").join(lines))

    def _shipstation_split_beyond(self, beyond):
        """Move what ShipStation's order does not hold out of this delivery, before it is
        validated, into a delivery of its own that is not linked to ShipStation (so the
        export sends it), whatever the operation type does with backorders.

        :param dict beyond: ``{sku: qty in the product's unit}``
        :return: ``(that delivery or nothing, [Message])`` for this delivery's chatter
        """
        self.ensure_one()
        moving = self.env["stock.move"]
        for move, unit, qty, _demand in self._shipstation_allocate(beyond, reserved=False):
            if float_is_zero(qty, precision_rounding=unit.rounding):
                continue
            if float_compare(qty, move.product_qty, precision_rounding=unit.rounding) >= 0:
                moving |= move
            else:
                # As Odoo splits a move for a backorder: the part that stays keeps its reservation.
                split = self.env["stock.move"].create(move._split(qty))
                split.with_context(bypass_entire_pack=True)._action_confirm(merge=False)
                moving |= split
        if not moving:
            return self.browse(), []
        target = self.copy({"name": "/", "move_ids": [], "move_line_ids": [], "backorder_id": self.id})
        moving.write({"picking_id": target.id, "picked": False})
        moving.move_line_ids.package_level_id.write({"picking_id": target.id})
        moving.move_line_ids.write({"picking_id": target.id})
        target.shipstation_account_id = self.shipstation_account_id
        if target.picking_type_id.reservation_method == "at_confirm":
            target.action_assign()
        target._message_log(body=escape(render(msg.message(msg.NOT_IN_ORDER_SPLIT), self.env.lang)))
        return target, [msg.message(msg.BACKORDER_NOT_IN_ORDER, names=target.mapped("name"))]

    def _shipstation_cancel(self):
        """Cancel these deliveries, and the pick/pack transfers that only feed them.

        :return: ``{picking id: [Message]}`` for the chatter
        """
        upstream_of = {}
        for picking in self:
            # Found before cancelling: cancelling a move cuts its link to the previous step.
            upstream_of[picking.id] = picking._shipstation_chained_pickings().filtered(
                lambda p, out=picking: p.picking_type_code == "internal"
                and p.state not in ("done", "cancel")
                and not (p.move_ids.move_dest_ids.picking_id - out)
            )
        upstream = self.browse().union(*upstream_of.values())
        (self | upstream).sudo().action_cancel()  # as in _shipstation_validate
        notes = {}
        for picking in self:
            notes[picking.id] = [msg.message(msg.CANCELLED)]
            if upstream_of[picking.id]:
                names = upstream_of[picking.id].mapped("name")
                notes[picking.id].append(msg.message(msg.UPSTREAM_CANCELLED, names=names))
        return notes
