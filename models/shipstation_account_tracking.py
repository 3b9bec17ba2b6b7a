from odoo import _, fields, models


class ShipStationAccount(models.Model):
    """The account's deliveries in trouble with the carrier (API v2 tracking)."""

    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.account"  # pylint: disable=consider-merging-classes-inherited

    delivery_exception_count = fields.Integer(string="Delivery Exceptions", compute="_compute_delivery_exception_count")

    def _delivery_exception_domain(self):
        return [
            ("shipstation_account_id", "in", self.ids),
            ("shipstation_delivery_status", "=", "exception"),
            ("state", "!=", "cancel"),
        ]

    def _compute_delivery_exception_count(self):
        groups = self.env["stock.picking"]._read_group(
            self._delivery_exception_domain(), ["shipstation_account_id"], ["__count"]
        )
        counts = {account.id: count for account, count in groups}
        for account in self:
            account.delivery_exception_count = counts.get(account.id, 0)

    def action_open_delivery_exceptions(self):
        """Open the account's deliveries whose carrier reports an exception."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action.update(
            name=_("Carrier exceptions: %s", self.name),
            domain=self._delivery_exception_domain(),
            context={"create": False},
        )
        return action
