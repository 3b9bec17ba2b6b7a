from odoo import fields, models


class ShipStationAccount(models.Model):
    """What the account sends to ShipStation after the export (see ``shipstation.outbox``)."""

    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.account"  # pylint: disable=consider-merging-classes-inherited

    notify_on_odoo_ship = fields.Boolean(
        string="Notify on Odoo Shipping",
        help="When a delivery exported to ShipStation is validated in Odoo, ShipStation marks its order "
        "shipped; with this option ShipStation also e-mails the customer and tells the sales channel.",
    )
    hold_unready_orders = fields.Boolean(
        string="Hold orders in ShipStation that are not ready in Odoo",
        default=True,
        help="An exported delivery that is no longer fully reserved puts its ShipStation order on hold, and "
        "releases it when it is ready again (checked by each export run). ShipStation API v2 has no hold call: "
        "this option does nothing on a v2 account.",
    )
