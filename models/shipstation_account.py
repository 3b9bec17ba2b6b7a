"""The ShipStation account: one API key (and secret) and its sync settings.

The model's other concerns are in ``shipstation_account_client`` (credentials and the API
client), ``shipstation_account_webhook`` (the webhook URL and subscriptions) and
``shipstation_account_dashboard`` (the kanban card and its actions).
"""

import secrets

from odoo import _, api, fields, models

from ..const import IN_TRANSIT_STATES
from ..lib.shipstation.client import DEFAULT_API_URL
from ..texts import report_text


def new_webhook_token():
    """A fresh secret for the account's webhook URL (256 random bits)."""
    return secrets.token_urlsafe(32)


class ShipStationAccount(models.Model):
    """A ShipStation account (one API key and secret pair) and its sync settings."""

    _name = "shipstation.account"
    _description = "ShipStation Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        string="ShipStation Currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the shipping costs ShipStation reports for this account; they are "
        "converted to each delivery's company currency.",
    )
    api_version = fields.Selection(
        [("v1", "v1 (key and secret)"), ("v2", "v2 (key)")],
        string="ShipStation API",
        required=True,
        default="v1",
        help="The ShipStation API this account's key was made for. v1 (ShipStation's 'Legacy' API) needs the "
        "key and its secret; v2 needs the key alone.",
    )
    api_key = fields.Char(string="API Key", groups="shipstation_connector.group_shipstation_manager", copy=False)
    api_secret = fields.Char(string="API Secret", groups="shipstation_connector.group_shipstation_manager", copy=False)
    api_url = fields.Char(
        string="API URL",
        required=True,
        default=DEFAULT_API_URL,
        help="ShipStation's API root for the version chosen (v1 https://ssapi.shipstation.com, v2 "
        "https://api.shipstation.com). Point it at a ShipStation sandbox for a dry run.",
    )
    auto_import_shipment_details = fields.Boolean(
        string="Auto Import Shipment Details?",
        help="The scheduled action 'Auto Import Shipment Details' syncs this account.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Export only this warehouse's deliveries to this account (all of the company's when empty).",
    )
    store_id = fields.Integer(
        string="ShipStation Store Id", help="Store new orders go to; ShipStation's first manual store when empty."
    )
    carrier_mapping_ids = fields.One2many("shipstation.carrier.mapping", "account_id", string="Carrier Mapping")
    auto_export_delivery_orders = fields.Boolean(
        string="Auto Export Delivery Orders?",
        help="The scheduled action 'Auto Export Delivery Orders' exports this account's deliveries.",
    )
    sync_since = fields.Datetime(
        string="Synced Up To",
        copy=False,
        help="Start of the last successful shipment sync: the next one asks ShipStation only "
        "for what changed since then (with a safety overlap). Clear it to read everything again.",
    )
    last_sync_date = fields.Datetime(readonly=True, copy=False)
    credentials_refused = fields.Boolean(
        readonly=True,
        copy=False,
        help="ShipStation refused the API key and secret at the last sync: the key may have expired.",
    )
    last_sync_summary = fields.Text(readonly=True, copy=False)

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("webhook_token", new_webhook_token())
        return super().create(vals_list)

    def init(self):
        # Accounts made before webhooks existed get a token each (a column default would give
        # them all the same one).
        self.env.cr.execute("SELECT id FROM shipstation_account WHERE webhook_token IS NULL")
        for (account_id,) in self.env.cr.fetchall():
            self.env.cr.execute(
                "UPDATE shipstation_account SET webhook_token = %s WHERE id = %s", [new_webhook_token(), account_id]
            )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _shipstation_ref(self, number):
        """How ShipStation writes the id ``number`` for this account (v2: ``se-123``)."""
        self.ensure_one()
        if not number:
            return False
        return "se-%d" % number if self.api_version == "v2" else str(number)

    @api.model
    def _in_transit_domain(self):
        """Deliveries a shipment sync acts on (the account is added by the caller)."""
        return [
            ("is_exported_to_shipstation", "=", True),
            ("picking_type_code", "=", "outgoing"),
            ("state", "not in", IN_TRANSIT_STATES),
        ]

    def _company_lang(self):
        """Language in which runs of this account write what they store (its company's)."""
        self.ensure_one()
        return self.sudo().company_id.partner_id.lang or "en_US"

    def _shipstation_company_cost(self, cost, company, day):
        """A cost in this account's currency, in ``company``'s currency on ``day``; None when
        Odoo has no rate for the account's currency (Odoo would convert it 1:1)."""
        self.ensure_one()
        if self.currency_id == company.currency_id or not cost:
            return cost
        rates = (
            self.env["res.currency.rate"]
            .sudo()
            .search_count(
                [
                    ("currency_id", "=", self.currency_id.id),
                    ("company_id", "in", (False, company.id)),
                    ("name", "<=", day),
                ],
                limit=1,
            )
        )
        return self.currency_id._convert(cost, company.currency_id, company, day) if rates else None

    def _record_account_result(self, report, started_at=None):
        """Remember a sync run on the account; a complete run moves the watermark.

        An account-level failure is posted on the account's chatter once, not at
        every run that meets the same failure.
        """
        self.ensure_one()
        summary = report_text(report, self.env.lang)
        values = {"last_sync_date": fields.Datetime.now(), "last_sync_summary": summary}
        if started_at and not report.left:
            values["sync_since"] = started_at
        if report.error and self.last_sync_summary != summary:
            self.message_post(body=_("Shipment sync failed: %s", summary))
        self.write(values)
        if report.refused or not report.error:
            self._shipstation_credentials_checked(refused=report.refused)

    # ------------------------------------------------------------
    # SCHEDULED ACTIONS OF OLDER DATABASES
    # ------------------------------------------------------------

    # The scheduled actions of a database installed before 17.0.1.6.0 call these two on the
    # account until the 17.0.1.6.0 migration (``post-crons``) points them at the sync and the
    # export; Odoo runs scheduled actions with the new code before the module is updated.

    @api.model
    def _cron_import_shipment_details(self):
        """Hand-over of older databases' scheduled action: see ``shipstation.sync``."""
        return self.env["shipstation.sync"]._cron_import_shipment_details()

    @api.model
    def _cron_export_delivery_orders(self):
        """Hand-over of older databases' scheduled action: see ``shipstation.export``."""
        return self.env["shipstation.export"]._cron_export_delivery_orders()
