import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..lib.shipstation.client import DEFAULT_API_URL, ShipStationClient
from ..lib.shipstation.client_v2 import DEFAULT_API_URL_V2, ShipStationV2Client
from ..lib.shipstation.errors import AuthenticationError, ShipStationError
from .shipstation_webhook import WEBHOOK_PATH, check_manager, webhook_url_problem

_logger = logging.getLogger(__name__)

IN_TRANSIT_STATES = ("draft", "done", "cancel")
MANAGER = "shipstation_connector.group_shipstation_manager"


def _as_date(value):
    return value.date() if isinstance(value, datetime) else value


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
    webhook_token = fields.Char(
        groups=MANAGER,
        copy=False,
        readonly=True,
        help="Secret part of the webhook URL: whoever knows it can ask for a sync of this account.",
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        groups=MANAGER,
        help="The address ShipStation calls when labels are created (from the system parameter web.base.url).",
    )
    webhook_url_warning = fields.Selection(
        [("local", "not reachable from the internet"), ("http", "not HTTPS")],
        compute="_compute_webhook_url",
        groups=MANAGER,
    )
    webhook_ids = fields.One2many("shipstation.webhook", "account_id", string="Webhooks")
    webhook_last_received = fields.Datetime(
        string="Last Webhook Call",
        compute="_compute_webhook_calls",
        help="When ShipStation last called this account's webhook URL.",
    )
    webhook_pending = fields.Boolean(
        string="Sync Asked by Webhook",
        compute="_compute_webhook_calls",
        help="ShipStation called: a sync of this account is coming.",
    )
    webhook_last_sync = fields.Datetime(
        string="Last Webhook Sync",
        compute="_compute_webhook_calls",
        help="Start of the last sync a webhook call asked for.",
    )
    last_run_id = fields.Many2one("shipstation.sync.run", compute="_compute_last_run", string="Last Run")
    last_run_date = fields.Datetime(compute="_compute_last_run", string="Last Run On")
    last_run_state = fields.Selection(
        [("ok", "Done"), ("partial", "With failures"), ("failed", "Failed")],
        compute="_compute_last_run",
        string="Last Run Result",
    )
    last_run_error = fields.Text(compute="_compute_last_run")
    last_run_api_calls = fields.Integer(compute="_compute_last_run", string="Last Run API Calls")
    dashboard_graph_data = fields.Text(compute="_compute_dashboard_graph_data")
    in_transit_count = fields.Integer(compute="_compute_picking_counts")
    waiting_count = fields.Integer(compute="_compute_picking_counts")
    failed_count = fields.Integer(compute="_compute_picking_counts")
    run_ids = fields.One2many("shipstation.sync.run", "account_id", string="Runs", readonly=True)
    run_count = fields.Integer(compute="_compute_run_count")

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

    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        for account in self:
            account.webhook_url = account._shipstation_webhook_url() if account.webhook_token else False
            account.webhook_url_warning = webhook_url_problem(account.webhook_url) if account.webhook_url else False

    def _compute_webhook_calls(self):
        calls, ids = {}, tuple(i for i in self.ids if isinstance(i, int))
        if ids:
            self.env.cr.execute(
                """
                SELECT account_id, max(received_at), bool_or(taken_at IS NULL), max(taken_at)
                  FROM shipstation_webhook_call WHERE account_id IN %s GROUP BY account_id
                """,
                [ids],
            )
            calls = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for account in self:
            received, pending, taken = calls.get(account.id, (False, False, False))
            account.webhook_last_received, account.webhook_pending, account.webhook_last_sync = received, pending, taken

    def _shipstation_webhook_url(self):
        self.ensure_one()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        return base.rstrip("/") + WEBHOOK_PATH + (self.sudo().webhook_token or "")

    @api.model
    def _shipstation_webhook_account(self, token):
        """The active account whose webhook token is ``token`` (compared in constant time), or an
        empty recordset."""
        token = (token or "").encode("utf-8", "replace")
        found = self.browse()
        for row in self.sudo().search_read([("webhook_token", "!=", False)], ["webhook_token"]):
            # Every token is compared, whatever matched before: the time taken says nothing.
            if hmac.compare_digest(token, row["webhook_token"].encode("utf-8")):
                found = self.browse(row["id"])
        return found.sudo()

    def action_subscribe_webhooks(self):
        """Subscribe in ShipStation the events the sync needs, calling this account's URL."""
        check_manager(self.env)
        for account in self:
            self.env["shipstation.webhook"]._shipstation_subscribe(account)
        return True

    def action_unsubscribe_webhooks(self):
        """Remove this account's webhooks from ShipStation."""
        check_manager(self.env)
        for account in self:
            self.env["shipstation.webhook"]._shipstation_unsubscribe(account)
        return True

    def action_new_webhook_url(self):
        """Give the account a new secret URL (when the old one leaked); subscribed webhooks move to it."""
        check_manager(self.env)
        for account in self:
            subscribed = bool(account.webhook_ids)
            if subscribed:
                self.env["shipstation.webhook"]._shipstation_unsubscribe(account)
            account.sudo().webhook_token = new_webhook_token()
            if subscribed:
                self.env["shipstation.webhook"]._shipstation_subscribe(account)
        return True

    @api.onchange("api_version")
    def _onchange_api_version(self):
        """Follow the version with ShipStation's own URL (a sandbox URL is left alone)."""
        defaults = {"v1": DEFAULT_API_URL, "v2": DEFAULT_API_URL_V2}
        if not self.api_url or self.api_url.rstrip("/") in defaults.values():
            self.api_url = defaults[self.api_version or "v1"]

    def _shipstation_carrier_for(self, parcels):
        """The delivery method the Carrier Mapping gives the carrier and service that shipped
        (its first live parcel): the mapping read the other way round. None when none maps."""
        live = [p for p in parcels if not p.voided and not p.is_return and p.carrier_code]
        if not live or not self.carrier_mapping_ids:
            return None
        carrier, service = live[0].carrier_code.lower(), (live[0].service_code or "").lower()
        mappings = self.carrier_mapping_ids.filtered(lambda m: (m.carrier_code or "").lower() == carrier)
        exact = mappings.filtered(lambda m: (m.service_code or "").lower() == service)
        return (exact or mappings.filtered(lambda m: not m.service_code))[:1].carrier_id or None

    def _shipstation_ref(self, number):
        """How ShipStation writes the id ``number`` for this account (v2: ``se-123``)."""
        self.ensure_one()
        if not number:
            return False
        return "se-%d" % number if self.api_version == "v2" else str(number)

    def _compute_last_run(self):
        """The account's last shipment sync (its run history's newest import run)."""
        groups = self.env["shipstation.sync.run"]._read_group(
            [("account_id", "in", self.ids), ("operation", "=", "import")], ["account_id"], ["id:max"]
        )
        last = {account.id: run_id for account, run_id in groups}
        runs = self.env["shipstation.sync.run"].browse(list(last.values()))  # read together, not per card
        for account in self:
            run = runs.browse(last.get(account.id)).with_prefetch(runs._prefetch_ids)
            account.last_run_id = run
            account.last_run_date = run.date_start
            account.last_run_state = run.state
            account.last_run_error = run.error
            account.last_run_api_calls = run.api_calls

    def _compute_dashboard_graph_data(self):
        """Deliveries done per day over the last two weeks, for the kanban card's bar chart."""
        today = fields.Date.context_today(self)
        first = today - timedelta(days=13)
        groups = self.env["stock.picking"]._read_group(
            [
                ("shipstation_account_id", "in", self.ids),
                ("picking_type_code", "=", "outgoing"),
                ("state", "=", "done"),
                ("date_done", ">=", fields.Datetime.to_datetime(first)),
            ],
            ["shipstation_account_id", "date_done:day"],
            ["__count"],
        )
        done = {(account.id, _as_date(day)): count for account, day, count in groups}
        for account in self:
            days = [first + timedelta(days=offset) for offset in range(14)]
            values = [
                {
                    "label": format_date(self.env, day, date_format="d MMM"),
                    "value": done.get((account.id, day), 0),
                    "type": "future" if day == today else "past",
                }
                for day in days
            ]
            account.dashboard_graph_data = json.dumps(
                [{"values": values, "key": _("Deliveries done"), "title": _("Deliveries done per day")}]
            )

    def _compute_picking_counts(self):
        groups = self.env["stock.picking"]._read_group(
            [("shipstation_account_id", "in", self.ids), *self._in_transit_domain()],
            ["shipstation_account_id", "shipstation_sync_state"],
            ["__count"],
        )
        counts = {}
        for account, state, count in groups:
            counts.setdefault(account.id, {})[state] = count
        for account in self:
            by_state = counts.get(account.id, {})
            account.in_transit_count = sum(by_state.values())
            account.waiting_count = by_state.get("waiting", 0)
            account.failed_count = by_state.get("failed", 0)

    def _compute_run_count(self):
        groups = self.env["shipstation.sync.run"]._read_group(
            [("account_id", "in", self.ids)], ["account_id"], ["__count"]
        )
        counts = {account.id: count for account, count in groups}
        for account in self:
            account.run_count = counts.get(account.id, 0)

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

    def _get_shipstation_client(self, **options):
        """The one place where the account's credentials become an API client.

        :return: :class:`ShipStationClient` for this account
        :raises UserError: when the key or secret is missing
        """
        self.ensure_one()
        account_sudo = self.sudo()
        if self.api_version == "v2":
            if not account_sudo.api_key:
                raise UserError(_("ShipStation account %(name)s has no API key.", name=self.name))
        elif not account_sudo.api_key or not account_sudo.api_secret:
            raise UserError(_("ShipStation account %(name)s has no API key or secret.", name=self.name))
        if any(ord(char) < 32 for char in (account_sudo.api_key or "") + (account_sudo.api_secret or "")):
            raise UserError(
                _(
                    "The API key of %(name)s holds a line break or another control character: paste it again.",
                    name=self.name,
                )
            )
        params = self.env["ir.config_parameter"].sudo()
        backoff = params.get_param("shipstation_connector.retry_backoff")
        if backoff:
            options.setdefault("backoff", float(backoff))
        max_wait = params.get_param("shipstation_connector.rate_limit_max_wait")
        if max_wait:
            options.setdefault("max_wait", float(max_wait))
        # Calls of each rate-limit window left to the other apps on the same key (the limit is the key's).
        reserve = params.get_param("shipstation_connector.rate_limit_reserve")
        if reserve:
            options.setdefault("rate_limit_reserve", max(int(reserve), 0))
        if self.api_version == "v2":
            return ShipStationV2Client(account_sudo.api_key, self._shipstation_api_root(), **options)
        return ShipStationClient(account_sudo.api_key, account_sudo.api_secret, self._shipstation_api_root(), **options)

    def _shipstation_api_root(self):
        """The API URL for the account's version: ShipStation's own when the URL is the other
        version's default (an account created without the form), never ending in ``/v2``."""
        url = (self.api_url or "").strip().rstrip("/")
        defaults = {"v1": DEFAULT_API_URL, "v2": DEFAULT_API_URL_V2}
        if not url or url in defaults.values():
            return defaults[self.api_version or "v1"]
        return url[: -len("/v2")] if self.api_version == "v2" and url.endswith("/v2") else url

    def _shipstation_credentials_checked(self, refused):
        """Tell the account's managers once when ShipStation refuses the key; clear it once it works.

        A refused key gets one activity (a warning for a manager of the account's company)
        saying what happened and where to make a new key; later refusals add nothing;
        the first run that gets through marks the activity done.
        """
        self.ensure_one()
        account_sudo = self.sudo()
        if refused == account_sudo.credentials_refused:
            return
        account_sudo.credentials_refused = refused
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        if not refused:
            account_sudo.activity_ids.filtered(lambda a: a.activity_type_id == activity_type).action_feedback(
                feedback=_("ShipStation accepted the API key again.")
            )
            return
        account_sudo.activity_schedule(
            activity_type_id=activity_type.id,
            summary=_("ShipStation refused the API key"),
            note=_(
                "ShipStation refused the API key and secret of %(name)s: every sync of this account fails until "
                "they are replaced. ShipStation API v1 keys expire after 3, 6 or 12 months. Make a new key pair "
                "in ShipStation (Settings > Account > API Settings), enter it on this account, then use Test "
                "Connection.",
                name=account_sudo.name,
            )
            if self.api_version != "v2"
            else _(
                "ShipStation API v2 refused the API key of %(name)s: every sync of this account fails until it "
                "is replaced. Make a new v2 key in ShipStation (Settings > Account > API Settings, API v2), enter "
                "it on this account, then use Test Connection.",
                name=account_sudo.name,
            ),
            user_id=self._shipstation_manager().id,
        )

    def _shipstation_manager(self):
        """The user who hears about the account: a ShipStation manager of its company."""
        group = self.env.ref(MANAGER)
        managers = group.sudo().users.filtered(lambda u: not u.share and self.company_id in u.company_ids)
        return managers.sorted("id")[:1] or self.env.ref("base.user_admin")

    def action_test_connection(self):
        """Check the credentials with one cheap call and say plainly how it went."""
        self.ensure_one()
        try:
            with self._get_shipstation_client(max_retries=1) as client:
                client.test_connection()
        except AuthenticationError as error:
            return self._shipstation_connection_failed(self._shipstation_refusal_text(), error)
        except ShipStationError as error:
            # ShipStation may never have been reached (a wrong URL): say what failed, not who refused.
            text = _("Test Connection of %(name)s failed: %(error)s", name=self.name, error=error.message)
            return self._shipstation_connection_failed(text, error)
        self._shipstation_connection_works()
        self._shipstation_credentials_checked(refused=False)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Connection works"),
                "message": _(
                    "ShipStation API %(version)s accepted the key of %(name)s.",
                    version=self.api_version,
                    name=self.name,
                ),
                "type": "success",
                "sticky": False,
            },
        }

    def _shipstation_refusal_text(self):
        """What to tell a user whose key ShipStation refused: a key of the other version is
        the common mistake, and ShipStation answers both the same way."""
        if self.api_version == "v2":
            return _(
                "ShipStation API v2 refused the key of %(name)s. A v1 key (with its secret) does not work on v2: "
                "choose API v1 on this account, or make a v2 key in ShipStation (Settings > Account > API "
                "Settings, API v2).",
                name=self.name,
            )
        return _(
            "ShipStation API v1 refused the key and secret of %(name)s. A v2 key does not work on v1: choose API "
            "v2 on this account, or make a new v1 key pair (v1 keys expire after 3, 6 or 12 months).",
            name=self.name,
        )

    def action_open_operations(self):
        """Open the Operations wizard for this account."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "shipstation_connector.shipstation_operation_wizard_action"
        )
        action["context"] = {"default_account_ids": self.ids}
        return action

    def action_open_import_cron(self):
        """Open the 'Auto Import Shipment Details' scheduled action."""
        return self._action_open_cron("shipstation_connector.ir_cron_auto_import_shipment_details")

    def action_open_export_cron(self):
        """Open the 'Auto Export Delivery Orders' scheduled action."""
        return self._action_open_cron("shipstation_connector.ir_cron_auto_export_delivery_orders")

    def _action_open_cron(self, xmlid):
        cron = self.env.ref(xmlid)
        return {
            "type": "ir.actions.act_window",
            "res_model": "ir.cron",
            "res_id": cron.id,
            "view_mode": "form",
            "target": "current",
        }

    def _action_open_pickings(self, domain, name):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action.update(
            name=name,
            domain=[("shipstation_account_id", "=", self.id), *self._in_transit_domain(), *domain],
            context={"create": False},
        )
        return action

    def action_open_in_transit(self):
        return self._action_open_pickings([], _("In transit: %s", self.name))

    def action_open_waiting(self):
        return self._action_open_pickings([("shipstation_sync_state", "=", "waiting")], _("Waiting: %s", self.name))

    def action_open_failed(self):
        return self._action_open_pickings([("shipstation_sync_state", "=", "failed")], _("Failed: %s", self.name))

    def action_open_last_run(self):
        """Open the account's last shipment sync."""
        self.ensure_one()
        return self.last_run_id.action_open_run()

    def action_reconcile(self):
        """Compare this account's deliveries with ShipStation now and list where they disagree."""
        self.ensure_one()
        wizard = self.env["shipstation.reconcile.wizard"].create({"account_id": self.id})
        return wizard.action_reconcile()

    def action_open_runs(self):
        """Open the run history of this account."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("shipstation_connector.shipstation_sync_run_action")
        action.update(
            name=_("Runs: %s", self.name),
            domain=[("account_id", "=", self.id)],
            context={"default_account_id": self.id},
        )
        return action

    @api.model
    def _cron_import_shipment_details(self):
        """Scheduled action: sync every active account whose toggle is on.

        With queue_job installed (and ``shipstation_connector.use_queue_job`` not off),
        each account's sync is a job of its own (see ``shipstation.job``); else the
        accounts are synced here, one after another.
        """
        accounts = self.search([("auto_import_shipment_details", "=", True)])
        jobs = self.env["shipstation.job"]
        if jobs._shipstation_queue_enabled():
            jobs._enqueue_sync(accounts, "scheduled")
            return
        self.env["shipstation.sync"]._sync_accounts(accounts, scheduled=True)

    @api.model
    def _cron_export_delivery_orders(self):
        """Scheduled action: export the deliveries of every active account whose toggle is on
        (one job per account with queue_job, as for the import)."""
        accounts = self.search([("auto_export_delivery_orders", "=", True)])
        jobs = self.env["shipstation.job"]
        if jobs._shipstation_queue_enabled():
            jobs._enqueue_export(accounts, "scheduled")
            return
        self.env["shipstation.export"]._export_accounts(accounts, commit=True)
