"""Export delivery orders to ShipStation (bulk, idempotent), for the Operations
wizard, the "Export to ShipStation" button and the scheduled action."""

import contextlib
import logging
import time
from datetime import timezone

from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.shipstation import messages as msg
from ..lib.shipstation.client import CREATE_ORDERS_BATCH
from ..lib.shipstation.errors import TRANSIENT_ERRORS, BadRequestError, ShipStationError
from ..lib.shipstation.prices import split_price
from ..lib.shipstation.report import ExportReport
from ..texts import render, report_text

_logger = logging.getLogger(__name__)

EXPORTABLE_STATES = ("waiting", "confirmed", "assigned")


def _aware(value):
    return value.replace(tzinfo=timezone.utc) if value else None


class ShipStationExport(models.AbstractModel):
    _name = "shipstation.export"
    _description = "ShipStation Delivery Export"

    @api.model
    def _export_accounts(self, accounts, commit=False, trigger=None):
        """Export every account's deliveries that are ready or waiting and not exported yet.

        Each account's run is kept in the run history (``shipstation.sync.run``).

        :param bool commit: commit each batch ShipStation has (scheduled runs)
        :param str trigger: what started the run, as the history says it; by default
            ``scheduled`` when committing, else ``manual``
        :return: list of :class:`ExportReport`
        """
        trigger = trigger or ("scheduled" if commit else "manual")
        reports = []
        for account in accounts:
            reports.append(self._export_guarded(account, commit, trigger))
            if commit and self.env["shipstation.sync"]._can_commit():
                # Each account's marks stand on their own: a later account's error keeps them.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return reports

    @api.model
    def _export_guarded(self, account, commit, trigger="manual"):
        """Export one account; an unexpected exception is that account's alone.

        Undone by a savepoint, or, when the export commits each batch (a savepoint cannot
        outlive a commit), by rolling back to the last commit; the run is then kept with
        the error.
        """
        committing = commit and self.env["shipstation.sync"]._can_commit()
        started, started_at = time.monotonic(), fields.Datetime.now()
        try:
            with contextlib.nullcontext() if committing else self.env.cr.savepoint():
                return self._export(account, self._candidates(account), commit=commit, trigger=trigger)
        except Exception as error:  # pylint: disable=broad-except
            if committing:
                self.env.cr.rollback()
                self.env["shipstation.job"]._keep_job_lock()
            _logger.exception("ShipStation export of account %s failed unexpectedly", account.sudo().name)
            report = ExportReport(account=account.sudo().name)
            report.error = msg.message(msg.ACCOUNT_UNEXPECTED, error="%s: %s" % (type(error).__name__, error))
            report.seconds = time.monotonic() - started
            runs = self.env["shipstation.sync.run"].with_context(lang=account._company_lang())
            runs._shipstation_record(account, report, trigger, started_at, "export")
            return report

    @api.model
    def _export_pickings(self, pickings):
        """Export these deliveries now, each to its account; a notification says how it went.

        Each delivery goes to its ShipStation account, or to its company's account (the
        one of its warehouse first).
        """
        reports = [self._export(account, group) for account, group in self._group_by_account(pickings).items()]
        failed = sum(report.failed for report in reports) + sum(1 for report in reports if report.error)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Export to ShipStation"),
                "message": "\n".join(report_text(report, self.env.lang) for report in reports),
                "type": "warning" if failed else "success",
                "sticky": bool(failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _group_by_account(self, pickings):
        """``{account: deliveries}``: each delivery's account, or its warehouse's, or its company's."""
        accounts = self.env["shipstation.account"].search([("company_id", "in", pickings.company_id.ids)])
        groups = {}
        for picking in pickings:
            account = picking.shipstation_account_id
            if not account:
                candidates = accounts.filtered(lambda a, c=picking.company_id: a.company_id == c)
                warehouse = picking.picking_type_id.warehouse_id
                account = (
                    candidates.filtered(lambda a, w=warehouse: a.warehouse_id == w)[:1]
                    or candidates.filtered(lambda a: not a.warehouse_id)[:1]
                )
            if not account:
                raise UserError(_("No ShipStation account for the company of %s.", picking.name))
            groups[account] = groups.get(account, pickings.browse()) | picking
        return groups

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
    def _export(self, account, pickings, commit=False, trigger="manual"):
        """Send ``pickings`` to ``account`` in batches of ShipStation's maximum size, and
        keep the run in the run history.

        A delivery that cannot be exported is marked failed with what to fix; the
        others still go. The order key is stable, so a retry updates, never duplicates.
        With ``commit`` (scheduled runs), each batch is committed once ShipStation has
        it, so Odoo never forgets an order ShipStation created.

        :return: :class:`ExportReport`
        """
        started, started_at = time.monotonic(), fields.Datetime.now()
        # What the export stores is written in the company's language, whoever runs it.
        self = self.with_context(lang=account._company_lang())  # noqa: PLW0642
        account_sudo = account.with_env(self.env).sudo()
        report = ExportReport(account=account_sudo.name, checked=len(pickings))
        self._send_all(account_sudo, pickings.with_env(self.env), report, commit)
        report.seconds = time.monotonic() - started
        self.env["shipstation.sync.run"]._shipstation_record(account_sudo, report, trigger, started_at, "export")
        return report

    @api.model
    def _send_all(self, account_sudo, pickings, report, commit):
        """Check every delivery, then send the exportable ones in batches."""
        payloads = {}
        for picking in pickings:
            problem = self._check(picking)
            if problem is not None:
                self._mark_failed(picking, problem, report)
            else:
                payloads[picking] = self._prepare_order(account_sudo, picking)
                if account_sudo.api_version == "v2":
                    # v2 shipments name where they leave from: the delivery's warehouse.
                    warehouse = picking.picking_type_id.warehouse_id.partner_id or picking.company_id.partner_id
                    payloads[picking]["shipFrom"] = self._address(warehouse)
        if payloads:
            try:
                client = account_sudo._get_shipstation_client()
            except UserError as error:
                report.error = msg.message(msg.ACCOUNT_ERROR, error=error.args[0])
                return
            with client:
                items = list(payloads.items())
                for start in range(0, len(items), CREATE_ORDERS_BATCH):
                    self._send_batch(account_sudo, client, items[start : start + CREATE_ORDERS_BATCH], report)
                    if commit and self.env["shipstation.sync"]._can_commit():
                        self.env.cr.commit()  # pylint: disable=invalid-commit
                        self.env["shipstation.job"]._keep_job_lock()
            report.api_calls = client.call_count

    @api.model
    def _send_batch(self, account, client, batch, report):
        try:
            results = client.create_orders([payload for _picking, payload in batch])
        except ShipStationError as error:
            if isinstance(error, BadRequestError) and len(batch) > 1:
                # One order ShipStation finds invalid refuses the whole body: send them one by one.
                for item in batch:
                    self._send_batch(account, client, [item], report)
                return
            _logger.warning("ShipStation export to %s failed: %s", account.name, error)
            if isinstance(error, TRANSIENT_ERRORS):
                report.transient, report.retry_after = True, error.retry_after
            for picking, _payload in batch:
                self._mark_failed(picking, msg.message(msg.EXPORT_BATCH_REFUSED, error=error.message), report)
            return
        by_key = {result.get("orderKey"): result for result in results}
        for picking, payload in batch:
            result = by_key.get(payload["orderKey"]) or {}
            if result.get("success") and result.get("orderId"):
                self._mark_exported(account, picking, result, report)
            else:
                reason = result.get("errorMessage")
                refusal = msg.message(msg.EXPORT_ORDER_REFUSED, error=reason) if reason else None
                self._mark_failed(picking, refusal or msg.message(msg.EXPORT_NO_RESULT), report)

    @api.model
    def _mark_exported(self, account, picking, result, report):
        picking.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": account.id,
                "shipstation_order_id": account._shipstation_ref(result["orderId"]),
                "shipstation_order_status": "awaiting_shipment",
                "shipstation_sync_state": False,
                "shipstation_sync_message": False,
                "shipstation_sync_code": False,
                "shipstation_missing_count": 0,
            }
        )
        picking._message_log(
            body=escape(
                _(
                    "Exported to ShipStation (%(account)s) as order %(order)s.",
                    account=account.name,
                    order=account._shipstation_ref(result["orderId"]),
                )
            )
        )
        report.exported += 1
        report.add_line(picking.id, "exported")

    @api.model
    def _mark_failed(self, picking, message, report):
        """Mark ``picking`` failed with ``message`` (a Message); post it once, not at every run."""
        report.failed += 1
        report.failures.append((picking.name, message))
        report.add_line(picking.id, "failed", message)
        vals = picking._shipstation_message_values(message)
        if picking.shipstation_sync_state != "failed" or picking.shipstation_sync_code != vals["shipstation_sync_code"]:
            picking.write(dict(vals, shipstation_sync_state="failed"))
            text = render(message, self.env.lang)
            picking._message_log(body=escape(_("Not exported to ShipStation: %s", text)))

    # ------------------------------------------------------------------
    # The order ShipStation receives
    # ------------------------------------------------------------------

    @api.model
    def _check(self, picking):
        """What must be fixed before ``picking`` can go to ShipStation (a Message), or None."""
        partner = picking.partner_id
        if not partner:
            return msg.message(msg.EXPORT_NO_ADDRESS)
        if not (partner.street and partner.city):
            return msg.message(msg.EXPORT_NO_STREET, partner=partner.display_name)
        if not partner.country_id:
            return msg.message(msg.EXPORT_NO_COUNTRY, partner=partner.display_name)
        moves = picking.move_ids.filtered(lambda m: m.state != "cancel")
        no_code = moves.product_id.filtered(lambda p: not p.default_code)
        if no_code:
            return msg.message(msg.EXPORT_NO_SKU, products=no_code.mapped("display_name"))
        if not moves or any(m.product_uom_qty <= 0 for m in moves):
            return msg.message(msg.EXPORT_ZERO_QUANTITY)
        fractional = moves.filtered(lambda m: m.product_qty != int(m.product_qty))
        if fractional:
            return msg.message(msg.EXPORT_FRACTIONAL, products=fractional.product_id.mapped("display_name"))
        return None

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
            # False (a person of no company) is not a string: ShipStation's model wants text or null.
            "company": partner.commercial_company_name or None
            if partner.commercial_company_name != partner.name
            else None,
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
        moves = picking.move_ids.filtered(lambda m: m.state != "cancel")
        kits, explosions, kit_lines = moves._shipstation_kits(), {}, {}
        for move in moves:
            product = move.product_id
            item = {
                "lineItemKey": str(move.id),
                "sku": product.default_code,
                "name": product.display_name,
                "quantity": int(move.product_qty),
                "weight": self._weight(product.weight),
            }
            if move.id in kits:
                kit, per_kit = kits[move.id]
                if (kit, move.company_id) not in explosions:
                    explosions[kit, move.company_id] = move._shipstation_explode(kit, move.company_id)
                components = explosions[kit, move.company_id]
                item["unitPrice"] = self._kit_component_price(move, kit, per_kit, components)
                item["options"] = [{"name": _("Kit"), "value": kit.display_name}]
                sale_line = move.sale_line_id.id if "sale_line_id" in move._fields else False
                kit_lines.setdefault((kit.id, sale_line), []).append(item)
            else:
                item["unitPrice"] = round(self._unit_price(move, product), 2)
            items.append(item)
        for lines in kit_lines.values():
            # Each component rounded on its own could miss the kit's price by a cent or two.
            prices = split_price([(item["unitPrice"], item["quantity"]) for item in lines])
            for item, price in zip(lines, prices):
                item["unitPrice"] = price
        return items

    @api.model
    def _unit_price(self, move, product):
        """Price of one unit of ``product`` (in its own unit, as quantities go) on ``move``'s sale."""
        sale_line = move.sale_line_id if "sale_line_id" in move._fields else False
        if sale_line:
            return sale_line.product_uom._compute_price(sale_line.price_unit, product.uom_id)
        return product.lst_price

    @api.model
    def _kit_component_price(self, move, kit, per_kit, components):
        """A kit component's share of the kit's price, per component unit.

        The warehouse picks the components, so the order lists them; their prices split the
        kit's sale price by the components' cost (by quantity when they have none), so the
        order's value (customs, insurance) is the sale's.

        :param dict components: the kit's explosion (``stock.move._shipstation_explode``)
        """
        own = components.get(move.bom_line_id.id)
        if not own:
            return 0.0
        costs = {line: product.standard_price * qty for line, (product, qty) in components.items()}
        total = sum(costs.values())
        if total > 0:
            share = costs[move.bom_line_id.id] / total
        else:
            share = own[1] / sum(qty for _product, qty in components.values())
        return self._unit_price(move, kit) * share / per_kit

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
