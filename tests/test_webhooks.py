import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.asymmetric import rsa

from odoo import fields, sql_db
from odoo.exceptions import AccessError
from odoo.modules import neutralize
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.shipstation_connector.lib.shipstation.sandbox.signing import sign_v2

from .common import ShipStationCommon

CONTROLLER_LOG = "odoo.addons.shipstation_connector.controllers.main"


class Listener:
    """A web server on 127.0.0.1 that records every request it gets (a stranger's host)."""

    def __init__(self):
        self.requests = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                listener.requests.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_DELETE = _record

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@tagged("post_install", "-at_install")
class TestWebhooks(ShipStationCommon, HttpCase):
    """ShipStation's calls to ``/shipstation/webhook/<token>``, over real HTTP: what is accepted,
    what is refused, how bursts coalesce, and that nothing ever goes to an address a call names."""

    API_VERSION = "v1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("shipstation_connector.ir_cron_webhook_sync")
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("shipstation_connector.webhook_keys_url", cls.sandbox.jwks_url)

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).unlink()

    # -- helpers ---------------------------------------------------------------------------

    def _post(self, body=None, account=None, token=None, headers=None, raw=None):
        account = account or self.account
        path = "/shipstation/webhook/%s" % (account.webhook_token if token is None else token)
        data = raw if raw is not None else json.dumps(body or self._body()).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if account.api_version == "v2" and headers is None:
            all_headers.update(self._signed(data))
        return self.url_open(path, data=data, headers=all_headers)

    def _body(self, resource_url=None):
        if self.API_VERSION == "v2":
            return {
                "resource_url": resource_url or self.sandbox.url + "/v2/labels?batch_id=1",
                "resource_type": "LABEL_CREATED_V2",
            }
        return {
            "resource_url": resource_url or self.sandbox.url + "/shipments?batchId=1&includeShipmentItems=False",
            "resource_type": "SHIP_NOTIFY",
        }

    def _signed(self, data, timestamp=None, key=None, kid=None):
        if key is None:
            return self.sandbox.webhooks.sign(data, timestamp)
        return sign_v2(key, kid or self.sandbox.webhooks.kid, data, timestamp=timestamp)

    def _triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])

    def _run_cron(self):
        self.env["shipstation.webhook.call"]._cron_sync_webhook_calls()
        self.env.invalidate_all()

    def _fresh(self, records=None):
        """``records`` (the account by default) with the webhook fields read again."""
        records = records or self.account
        records.invalidate_recordset(["webhook_pending", "webhook_last_received", "webhook_last_sync"])
        return records

    # -- accepted ---------------------------------------------------------------------------

    def test_a_call_asks_for_one_sync_at_once_and_calls_nobody(self):
        self.sandbox.reset_log()
        response = self._post()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "scheduled"})
        self.assertEqual(self.sandbox.requests, [], "no ShipStation call during the request")
        self.assertTrue(self._fresh().webhook_pending)
        self.assertTrue(self.account.webhook_last_received)
        triggers = self._triggers()
        self.assertEqual(len(triggers), 1)
        self.assertLessEqual(triggers.call_at, fields.Datetime.now())

    def test_the_triggered_run_syncs_the_account_even_with_auto_import_off(self):
        self.assertFalse(self.account.auto_import_shipment_details)
        picking, order = self._make_delivery([(self.mug, 2)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZHOOK1", "carrierCode": "ups"}])
        self.assertEqual(self._post().status_code, 200)
        self._run_cron()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "1ZHOOK1")
        self.assertFalse(self._fresh().webhook_pending)
        self.assertTrue(self.account.webhook_last_sync)

    def test_the_scheduled_action_runs_on_the_calls_model_and_from_an_older_install_too(self):
        """New databases run it on the calls' model; a database installed before keeps its action
        (not updated by an upgrade) on the subscriptions' model, which hands over."""
        self.assertEqual(self.cron.model_id.model, "shipstation.webhook.call")
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZOLDCRON"}])
        self._post()
        self.env["shipstation.webhook"]._cron_sync_webhook_calls()
        self.env.invalidate_all()
        self.assertEqual(picking.carrier_tracking_ref, "1ZOLDCRON")
        self.assertFalse(self._fresh().webhook_pending)

    def test_a_burst_gives_one_sync_and_a_call_after_it_one_more_a_minute_later(self):
        self._make_delivery([(self.mug, 1)])
        answers = [self._post().json()["status"] for _i in range(20)]
        self.assertEqual(answers, ["scheduled"] + ["coalesced"] * 19)
        self.assertEqual(len(self._triggers()), 1)
        self.sandbox.reset_log()
        self._run_cron()
        calls_of_one_sync = len(self.sandbox.requests)
        self.assertGreater(calls_of_one_sync, 0)
        self._run_cron()  # nothing asked since: no sync, no call
        self.assertEqual(len(self.sandbox.requests), calls_of_one_sync)
        self._triggers().unlink()
        # A call during or right after that sync asks for one more, a minute after it started.
        self.assertEqual(self._post().json()["status"], "scheduled")
        self.assertEqual(self._post().json()["status"], "coalesced")
        trigger = self._triggers()
        self.assertEqual(len(trigger), 1)
        self.assertEqual(trigger.call_at, self._fresh().webhook_last_sync + timedelta(seconds=60))
        self._run_cron()  # not due yet: nothing runs
        self.assertEqual(len(self.sandbox.requests), calls_of_one_sync)
        self.assertTrue(self._fresh().webhook_pending)

    def test_the_minimum_interval_is_a_system_parameter(self):
        self.env["ir.config_parameter"].sudo().set_param("shipstation_connector.webhook_min_interval", "5")
        self._post()
        self._run_cron()
        self._triggers().unlink()
        self._post()
        self.assertEqual(self._triggers().call_at, self._fresh().webhook_last_sync + timedelta(seconds=5))

    def test_a_call_while_another_sync_holds_the_account_leads_to_a_sync_afterwards(self):
        self._post()
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            # Another sync of this account runs (it holds the account's lock).
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5353, self.account.id])
            self._run_cron()
            self.assertTrue(self._fresh().webhook_pending, "asked again, since the sync could not run")
            self.assertTrue(self._triggers().filtered(lambda t: t.call_at > fields.Datetime.now()))
            other.rollback()
        self._triggers().unlink()
        picking, order = self._make_delivery([(self.cap, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        self._run_cron()
        self.assertEqual(picking.state, "done")
        self.assertFalse(self._fresh().webhook_pending)

    def test_a_call_during_the_sync_leads_to_one_more_afterwards(self):
        self._post()
        sync = self.env["shipstation.sync"]
        original = type(sync)._sync_accounts

        def sync_while_shipstation_calls(service, accounts, *args, **kwargs):
            self.assertEqual(self._post().json()["status"], "scheduled", "the calls before were taken up")
            return original(service, accounts, *args, **kwargs)

        self._triggers().unlink()
        with patch.object(type(sync), "_sync_accounts", sync_while_shipstation_calls):
            self._run_cron()
        self.assertTrue(self._fresh().webhook_pending)
        # One more run (triggers due at one moment are one run), a minute after the last one.
        self.assertEqual(
            set(self._triggers().mapped("call_at")), {self.account.webhook_last_sync + timedelta(seconds=60)}
        )

    def test_a_call_writes_only_its_own_row_never_the_account(self):
        """So a burst of calls never conflicts with a sync writing the account meanwhile."""
        self.env.flush_all()
        before = self._updates()
        self.assertEqual(self._post().status_code, 200)
        self.assertEqual(self._post().status_code, 200)
        written = {table: rows - before.get(table, 0) for table, rows in self._updates().items()}
        self.assertEqual(written.get("shipstation_account", 0), 0)
        self.assertEqual(written.get("shipstation_webhook_call"), 2)

    def _updates(self):
        self.env.cr.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname IN ('shipstation_account', 'shipstation_webhook_call')"
        )
        return dict(self.env.cr.fetchall())

    def test_a_neutralized_copy_gets_new_addresses_and_forgets_the_live_hooks(self):
        self.account.action_subscribe_webhooks()
        old = self.account.webhook_token
        self.env.flush_all()
        for query in neutralize.get_neutralization_queries(["shipstation_connector"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertNotEqual(self.account.webhook_token, old)
        self.assertGreaterEqual(len(self.account.webhook_token), 64)
        self.assertFalse(self.account.webhook_ids, "its Unsubscribe cannot remove the live hooks")
        self.assertFalse(self.account.api_key)

    def test_calls_are_forgotten_after_a_week_but_the_last_one(self):
        for _i in range(3):
            self._post()
        self._run_cron()
        Call = self.env["shipstation.webhook.call"]
        calls = Call.search([("account_id", "=", self.account.id)])
        self.assertEqual(len(calls), 3)
        self.env.cr.execute(
            "UPDATE shipstation_webhook_call SET received_at = received_at - interval '8 days' WHERE id IN %s",
            [tuple(calls.ids)],
        )
        Call._gc_old_calls()
        self.assertEqual(Call.search([("account_id", "=", self.account.id)]), calls.sorted("id")[-1:])
        self.assertTrue(self._fresh().webhook_last_received, "the form still says when the last call came")

    def test_a_lost_trigger_is_asked_again(self):
        self._post()
        self._triggers().unlink()
        self.env.cr.execute(
            "UPDATE shipstation_webhook_call SET received_at = received_at - interval '10 minutes'"
            " WHERE account_id = %s",
            [self.account.id],
        )
        self.assertEqual(self._post().json()["status"], "scheduled")
        self.assertEqual(len(self._triggers()), 1)

    # -- refused ----------------------------------------------------------------------------

    @mute_logger("odoo.http", CONTROLLER_LOG)
    def test_refused_calls_change_nothing(self):
        other = self._make_account("Other ShipStation")
        cases = {
            "wrong token": dict(token="x" * 43),
            "another account's token cut short": dict(token=other.webhook_token[:-1]),
            "empty JSON array": dict(raw=b"[]"),
            "not JSON": dict(raw=b"resource_url=https://evil.example/"),
            "oversized body": dict(raw=b'{"a": "' + b"x" * (64 * 1024) + b'"}'),
        }
        expected = {
            "wrong token": 404,
            "another account's token cut short": 404,
            "empty JSON array": 400,
            "not JSON": 400,
            "oversized body": 413,
        }
        for case, kwargs in cases.items():
            with self.subTest(case):
                self.assertEqual(self._post(**kwargs).status_code, expected[case])
        self.assertEqual(self.url_open("/shipstation/webhook/").status_code, 404)
        self.assertEqual(self.url_open("/shipstation/webhook/%s" % self.account.webhook_token).status_code, 405)
        self.assertFalse(self._triggers())
        self.assertFalse(self._fresh(self.account | other).filtered("webhook_pending"))
        self.assertFalse((self.account | other).filtered("webhook_last_received"))

    def test_an_archived_account_is_unknown(self):
        self.account.active = False
        self.assertEqual(self._post().status_code, 404)
        self.assertFalse(self._triggers())

    def test_a_foreign_resource_url_is_never_read_and_gets_no_credential(self):
        stranger = Listener()
        self.addCleanup(stranger.stop)
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        response = self._post(self._body(resource_url=stranger.url + "/shipments?batchId=1"))
        self.assertEqual(response.status_code, 200)
        self._run_cron()
        self.assertEqual(picking.state, "done", "the sync read the account's own ShipStation")
        self.assertEqual(stranger.requests, [], "nothing went to the address the call named")
        self.assertTrue(self.sandbox.requests)

    # -- tokens and subscriptions -----------------------------------------------------------

    def test_each_account_has_its_own_long_random_token_and_url(self):
        other = self._make_account("Other ShipStation")
        self.assertNotEqual(self.account.webhook_token, other.webhook_token)
        self.assertGreaterEqual(len(self.account.webhook_token), 43)  # 256 bits, url-safe base64
        self.assertEqual(
            self.account.webhook_url, self.base_url() + "/shipstation/webhook/" + self.account.webhook_token
        )
        self.assertEqual(self.account.webhook_url_warning, "local")
        params = self.env["ir.config_parameter"].sudo()
        for base, warning in (("http://odoo.example.com", "http"), ("https://odoo.example.com", False)):
            params.set_param("web.base.url", base)
            self.account.invalidate_recordset(["webhook_url", "webhook_url_warning"])
            self.assertEqual(self.account.webhook_url_warning, warning)

    def test_a_new_address_stops_the_old_one(self):
        old = self.account.webhook_token
        self.account.action_new_webhook_url()
        self.assertNotEqual(self.account.webhook_token, old)
        with mute_logger("odoo.http"):
            self.assertEqual(self._post(token=old).status_code, 404)
        self.assertEqual(self._post().status_code, 200)

    def test_subscribe_twice_then_unsubscribe(self):
        self.account.action_subscribe_webhooks()
        hooks = self.account.webhook_ids
        events = {"v1": ["FULFILLMENT_SHIPPED", "SHIP_NOTIFY"], "v2": ["FULFILLMENT_SHIPPED_V2", "LABEL_CREATED_V2"]}
        self.assertEqual(sorted(hooks.mapped("event")), events[self.API_VERSION])
        with self.account._get_shipstation_client() as client:
            remote = client.list_webhooks()
        self.assertEqual(sorted(h.event for h in remote), events[self.API_VERSION])
        self.assertEqual({h.url for h in remote}, {self.account.webhook_url})
        self.assertEqual(sorted(h.id for h in remote), sorted(hooks.mapped("remote_id")))
        self.assertNotIn(self.account.webhook_token, " ".join(hooks.mapped("url_shown")))
        self.account.action_subscribe_webhooks()
        self.assertEqual(self.account.webhook_ids, hooks, "subscribing twice doubles nothing")
        with self.account._get_shipstation_client() as client:
            self.assertEqual(len(client.list_webhooks()), 2)
        self.account.action_unsubscribe_webhooks()
        self.assertFalse(self.account.webhook_ids)
        with self.account._get_shipstation_client() as client:
            self.assertEqual(client.list_webhooks(), [])

    def test_only_managers_see_the_token_and_subscribe(self):
        user = new_test_user(
            self.env,
            login="ss_webhook_user",
            groups="stock.group_stock_user,shipstation_connector.group_shipstation_user",
        )
        account = self.account.with_user(user)
        with self.assertRaises(AccessError):
            account.read(["webhook_token"])
        with self.assertRaises(AccessError):
            account.action_subscribe_webhooks()

    def test_shipping_in_shipstation_calls_odoo_and_the_delivery_is_done(self):
        """The whole loop over real HTTP: subscribe, ship in ShipStation, ShipStation calls the
        route, the triggered run validates the delivery."""
        self.account.action_subscribe_webhooks()
        picking, order = self._make_delivery([(self.tee, 3)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZLOOP", "carrierCode": "ups"}])
        self.sandbox.wait_webhooks(timeout=10)
        delivered = [d for d in self.sandbox.webhook_deliveries if d.url == self.account.webhook_url]
        self.assertEqual([d.status_or_error for d in delivered], [200])
        self.assertEqual(len(self._triggers()), 1)
        self._run_cron()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "1ZLOOP")


@tagged("post_install", "-at_install")
class TestWebhooksV2(TestWebhooks):
    """The same on API v2, whose calls are signed: unsigned, stale or forged calls are refused."""

    API_VERSION = "v2"

    @mute_logger(CONTROLLER_LOG)
    def test_signatures_are_checked(self):
        data = json.dumps(self._body()).encode()
        signed = self._signed(data)
        stranger_key = rsa.generate_private_key(65537, 2048, default_backend())
        now = fields.Datetime.now()
        cases = [
            ("no signature", {}, 401),
            ("signature without timestamp", {k: v for k, v in signed.items() if "timestamp" not in k}, 401),
            ("signature without key id", {k: v for k, v in signed.items() if "key-id" not in k}, 401),
            ("another body's signature", self._signed(data + b" "), 401),
            (
                "timestamp 6 minutes old",
                self._signed(data, timestamp=(now - timedelta(minutes=6)).isoformat() + "Z"),
                401,
            ),
            (
                "timestamp 6 minutes ahead",
                self._signed(data, timestamp=(now + timedelta(minutes=6)).isoformat() + "Z"),
                401,
            ),
            ("a stranger's key under ShipStation's key id", self._signed(data, key=stranger_key), 401),
            ("a key ShipStation never published", self._signed(data, key=stranger_key, kid="stranger"), 401),
        ]
        for case, headers, status in cases:
            with self.subTest(case):
                response = self._post(raw=data, headers=dict(headers, **{"Content-Type": "application/json"}))
                self.assertEqual(response.status_code, status)
        self.assertFalse(self._triggers())
        self.assertFalse(self._fresh().webhook_pending)
        self.assertEqual(self._post(raw=data, headers=signed).status_code, 200)
        self.assertTrue(self._fresh().webhook_pending)

    @mute_logger(CONTROLLER_LOG)
    def test_keys_that_cannot_be_read_refuse_for_now(self):
        stranger = Listener()
        stranger.stop()  # nothing listens there any more
        self.env["ir.config_parameter"].sudo().set_param(
            "shipstation_connector.webhook_keys_url", stranger.url + "/jwks"
        )
        self.assertEqual(self._post().status_code, 503)
        self.assertFalse(self._fresh().webhook_pending)
