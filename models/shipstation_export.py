"""Export delivery orders to ShipStation (bulk, idempotent), for the Operations
wizard, the "Export to ShipStation" button and the scheduled action."""

import logging
import time
from datetime import timezone

from markupsafe import escape

from odoo import _, api, models
from odoo.exceptions import UserError

from ..lib.shipstation.client import CREATE_ORDERS_BATCH
from ..lib.shipstation.errors import ShipStationError
from ..lib.shipstation.report import ExportReport

_logger = logging.getLogger(__name__)

EXPORTABLE_STATES = ("waiting", "confirmed", "assigned")


def _aware(value):
    return value.replace(tzinfo=timezone.utc) if value else None


class ShipStationExport(models.AbstractModel):
    _name = "shipstation.export"
    _description = "ShipStation Delivery Export"

    @api.model
    def _export_accounts(self, accounts, commit=False):
        """Export every account's deliveries that are ready or waiting and not exported yet.

        :return: list of :class:`ExportReport`
        """
        return [self._export(account, self._candidates(account), commit=commit) for account in accounts]

    @api.model
    def _candidates(self, account):
        domain = [
            ("picking_type_code", "=", "outgoing"),
            ("state", "in", EXPORTABLE_STATES),
            ("company_id", "=", account.company_id.id),
            ("is_exported_to_shipstation", "=", False),
            "|",
            ("shipstation_account_id", "=", False),
            ("shipstation_account_id", "=", account.id),
        ]
        if account.warehouse_id:
            domain.append(("picking_type_id.warehouse_id", "=", account.warehouse_id.id))
        else:
            # Warehouses with an account of their own are that account's business.
            dedicated = self.env["shipstation.account"].search(
                [("company_id", "=", account.company_id.id), ("warehouse_id", "!=", False)]
            )
            if dedicated:
                domain.append(("picking_type_id.warehouse_id", "not in", dedicated.warehouse_id.ids))
        return self.env["stock.picking"].search(domain, order="id")

    @api.model
    def _export(self, account, pickings, commit=False):
        """Send ``pickings`` to ``account`` in batches of ShipStation's maximum size.

        A delivery that cannot be exported is marked failed with what to fix; the
        others still go. The order key is stable, so a retry updates, never duplicates.
        With ``commit`` (scheduled runs), each batch is committed once ShipStation has
        it, so Odoo never forgets an order ShipStation created.

        :return: :class:`ExportReport`
        """
        started = time.monotonic()
        account_sudo = account.sudo()
        report = ExportReport(account=account_sudo.name, checked=len(pickings))
        payloads = {}
        for picking in pickings:
            problem = self._check(picking)
            if problem:
                self._mark_failed(picking, problem, report)
            else:
                payloads[picking] = self._prepare_order(account_sudo, picking)
        if payloads:
            try:
                client = account_sudo._get_shipstation_client()
            except UserError as error:
                report.error = error.args[0]
                return report
            with client:
                items = list(payloads.items())
                for start in range(0, len(items), CREATE_ORDERS_BATCH):
                    self._send_batch(account_sudo, client, items[start : start + CREATE_ORDERS_BATCH], report)
                    if commit and self.env["shipstation.sync"]._can_commit():
                        self.env.cr.commit()  # pylint: disable=invalid-commit
            report.api_calls = client.call_count
        report.seconds = time.monotonic() - started
        return report

    @api.model
    def _send_batch(self, account, client, batch, report):
        try:
            results = client.create_orders([payload for _picking, payload in batch])
        except ShipStationError as error:
            _logger.warning("ShipStation export to %s failed: %s", account.name, error)
            for picking, _payload in batch:
                self._mark_failed(picking, _("ShipStation did not accept the batch: %s", error.message), report)
            return
        by_key = {result.get("orderKey"): result for result in results}
        for picking, payload in batch:
            result = by_key.get(payload["orderKey"]) or {}
            if result.get("success") and result.get("orderId"):
                self._mark_exported(account, picking, result, report)
            else:
                reason = result.get("errorMessage") or _("ShipStation returned no result for this order.")
                self._mark_failed(picking, _("ShipStation refused the order: %s", reason), report)

    @api.model
    def _mark_exported(self, account, picking, result, report):
        picking.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": account.id,
                "shipstation_order_id": str(result["orderId"]),
                "shipstation_order_status": "awaiting_shipment",
                "shipstation_sync_state": False,
                "shipstation_sync_message": False,
            }
        )
        picking._message_log(
            body=escape(
                _(
                    "Exported to ShipStation (%(account)s) as order %(order)s.",
                    account=account.name,
                    order=result["orderId"],
                )
            )
        )
        report.exported += 1

    @api.model
    def _mark_failed(self, picking, message, report):
        report.failed += 1
        report.failures.append((picking.name, message))
        if picking.shipstation_sync_state != "failed" or picking.shipstation_sync_message != message:
            picking.write({"shipstation_sync_state": "failed", "shipstation_sync_message": message})
            picking._message_log(body=escape(_("Not exported to ShipStation: %s", message)))

    # ------------------------------------------------------------------
    # The order ShipStation receives
    # ------------------------------------------------------------------

    @api.model
    def _check(self, picking):
        """What must be fixed before ``picking`` can go to ShipStation, or '' if nothing."""
        partner = picking.partner_id
        if not partner:
            return _("The delivery has no customer address.")
        if not (partner.street and partner.city):
            return _("The delivery address of %s has no street or city.", partner.display_name)
        if not partner.country_id:
            return _("The delivery address of %s has no country.", partner.display_name)
        moves = picking.move_ids.filtered(lambda m: m.state != "cancel")
        no_code = moves.product_id.filtered(lambda p: not p.default_code)
        if no_code:
            return _(
                "These products have no internal reference (ShipStation SKU): %s",
                ", ".join(no_code.mapped("display_name")),
            )
        if not moves or any(m.product_uom_qty <= 0 for m in moves):
            return _("The delivery has a line with quantity zero.")
        fractional = moves.filtered(lambda m: m.product_qty != int(m.product_qty))
        if fractional:
            return _(
                "ShipStation takes whole quantities only: %s", ", ".join(fractional.product_id.mapped("display_name"))
            )
        return ""

    @api.model
    def _weight(self, value):
        """ShipStation weight of ``value`` in the database's weight unit (kg or lb)."""
        uom = self.env["product.template"]._get_weight_uom_id_from_ir_config_parameter()
        if uom == self.env.ref("uom.product_uom_lb", raise_if_not_found=False):
            return {"value": round(value, 3), "units": "pounds"}
        kilograms = uom._compute_quantity(value, self.env.ref("uom.product_uom_kgm"))
        return {"value": round(kilograms * 1000, 1), "units": "grams"}

    @api.model
    def _order_key(self, picking):
        """Stable key, unique per database and delivery: re-sending updates the same order."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return "odoo-%s-%s" % (uuid, picking.id)

    @api.model
    def _address(self, partner):
        return {
            "name": partner.name or partner.display_name,
            "company": partner.commercial_company_name if partner.commercial_company_name != partner.name else None,
            "street1": partner.street or "",
            "street2": partner.street2 or None,
            "city": partner.city or "",
            "state": partner.state_id.code or None,
            "postalCode": partner.zip or "",
            "country": partner.country_id.code or "",
            "phone": partner.phone or partner.mobile or None,
            "residential": not partner.is_company,
        }

    @api.model
    def _prepare_items(self, picking):
        items = []
        for move in picking.move_ids.filtered(lambda m: m.state != "cancel"):
            product = move.product_id
            sale_line = move.sale_line_id if "sale_line_id" in move._fields else False
            # Quantities go in the product's unit, so the price must be per product unit too.
            price = (
                sale_line.product_uom._compute_price(sale_line.price_unit, product.uom_id)
                if sale_line
                else product.lst_price
            )
            items.append(
                {
                    "lineItemKey": str(move.id),
                    "sku": product.default_code,
                    "name": product.display_name,
                    "quantity": int(move.product_qty),
                    "unitPrice": round(price, 2),
                    "weight": self._weight(product.weight),
                }
            )
        return items

    @api.model
    def _prepare_order(self, account, picking):
        """The ShipStation order for ``picking`` (``POST /orders/createorder`` shape)."""
        partner = picking.partner_id
        sale = picking.sale_id if "sale_id" in picking._fields else False
        bill_to = sale.partner_invoice_id if sale else partner.commercial_partner_id
        weight = picking.shipping_weight or picking.weight
        order = {
            "orderNumber": picking.name,
            "orderKey": self._order_key(picking),
            "orderDate": _aware(sale.date_order if sale else picking.create_date),
            "paymentDate": _aware(sale.date_order if sale else picking.create_date),
            "shipByDate": _aware(picking.date_deadline or picking.scheduled_date),
            "orderStatus": "awaiting_shipment",
            "customerUsername": partner.email or partner.display_name,
            "customerEmail": partner.email or None,
            "billTo": self._address(bill_to),
            "shipTo": self._address(partner),
            "items": self._prepare_items(picking),
            "weight": self._weight(weight),
            "internalNotes": picking.note and str(picking.note) or None,
            "advancedOptions": {
                "storeId": account.store_id or None,
                "customField1": picking.origin or None,
                "source": "odoo",
            },
        }
        mapping = account.carrier_mapping_ids.filtered(lambda m: m.carrier_id == picking.carrier_id)[:1]
        if picking.carrier_id and mapping:
            order.update(carrierCode=mapping.carrier_code, serviceCode=mapping.service_code or None)
        return order
