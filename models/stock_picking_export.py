"""What an export to ShipStation writes on a delivery: exported as an order, or failed with
what to fix. The export (``shipstation.export``) decides; the delivery writes its own fields
and logs it."""

from markupsafe import escape

from odoo import _, models

from ..texts import render


class StockPicking(models.Model):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _shipstation_mark_exported(self, account, order_id):
        """This delivery is ShipStation order ``order_id`` of ``account``, awaiting shipment."""
        self.ensure_one()
        order_ref = account._shipstation_ref(order_id)
        self.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": account.id,
                "shipstation_order_id": order_ref,
                "shipstation_order_status": "awaiting_shipment",
                "shipstation_sync_state": False,
                "shipstation_sync_message": False,
                "shipstation_sync_code": False,
                "shipstation_missing_count": 0,
            }
        )
        self._message_log(
            body=escape(
                _(
                    "Exported to ShipStation (%(account)s) as order %(order)s.",
                    account=account.name,
                    order=order_ref,
                )
            )
        )

    def _shipstation_mark_export_failed(self, message):
        """This delivery could not be exported: mark it failed with ``message`` (a Message);
        post it once, not at every run."""
        self.ensure_one()
        vals = self._shipstation_message_values(message)
        if self.shipstation_sync_state != "failed" or self.shipstation_sync_code != vals["shipstation_sync_code"]:
            self.write(dict(vals, shipstation_sync_state="failed"))
            text = render(message, self.env.lang)
            self._message_log(body=escape(_("Not exported to ShipStation: %s", text)))
