import importlib.util
import os
from datetime import datetime

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.shipstation_connector.hooks import uninstall_hook

from .common import ShipStationCommon

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations", "17.0.1.6.0")


def load_migration(name):
    """One of the release's migration scripts, loaded as Odoo loads it (by path)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(MIGRATIONS, name + ".py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


@tagged("post_install", "-at_install")
class TestUpgrade(ShipStationCommon):
    """What the release's migration scripts do to a database of an older version, and what the
    uninstall hook leaves in ShipStation (tools/upgrade_check.py runs real upgrades)."""

    # -- XML ids renamed since 17.0.1.0.0 ------------------------------------------------------

    def _xmlid(self, name):
        return self.env["ir.model.data"].search([("module", "=", "shipstation_connector"), ("name", "=", name)])

    def test_old_xml_ids_are_renamed_and_keep_their_records(self):
        pre = load_migration("pre-migration")
        form = self.env.ref("shipstation_connector.view_picking_withcarrier_out_form_inherit_shipstation_connector")
        records = {}
        for _model, old, new in pre.RENAMED_XMLIDS:
            data = self._xmlid(new)
            records[new] = (data.model, data.res_id)
            data.name = old  # as 17.0.1.0.0 named it
        shop_view = self.env["ir.ui.view"].create(
            {
                "name": "stock.picking.form.shop",
                "model": "stock.picking",
                "inherit_id": form.id,
                "arch": '<xpath expr="//field[@name=\'origin\']" position="after"><field name="note"/></xpath>',
            }
        )
        self.env.flush_all()
        moved = pre.rename_xmlids(self.env.cr)
        self.assertEqual(sorted(moved), sorted((old, new) for _m, old, new in pre.RENAMED_XMLIDS))
        self.env.invalidate_all()
        for _model, old, new in pre.RENAMED_XMLIDS:
            data = self._xmlid(new)
            self.assertEqual((data.model, data.res_id), records[new], new)
            self.assertFalse(self._xmlid(old), old)
        self.assertEqual(shop_view.inherit_id, form)
        self.assertEqual(pre.rename_xmlids(self.env.cr), [], "a second run changes nothing")

    def test_an_old_name_beside_the_new_one_is_left_alone(self):
        pre = load_migration("pre-migration")
        menu = self._xmlid("shipstation_account_menu_dashboard")
        other = self.env["ir.ui.menu"].create({"name": "Shop's own menu"})
        self.env["ir.model.data"].create(
            {
                "module": "shipstation_connector",
                "name": "shipstation_menu_dashboard",
                "model": "ir.ui.menu",
                "res_id": other.id,
            }
        )
        self.env.flush_all()
        self.assertEqual(pre.rename_xmlids(self.env.cr), [])
        self.env.invalidate_all()
        self.assertEqual(self._xmlid("shipstation_account_menu_dashboard").res_id, menu.res_id)
        self.assertEqual(self._xmlid("shipstation_menu_dashboard").res_id, other.id)

    # -- what versions before 17.0.1.2.0 never recorded ------------------------------------------

    def test_a_merged_delivery_left_waiting_by_an_old_version_ships_after_the_upgrade(self):
        post = load_migration("post-migration")
        poster = self._make_product("Poster", "SS-POSTER", qty=0)
        survivor, survivor_order = self._make_delivery([(self.mug, 1)])
        absorbed, absorbed_order = self._make_delivery([(poster, 1)])
        other_account = self._make_account("Second ShipStation")
        self.sandbox.store.merge_orders(survivor_order["orderId"], [absorbed_order["orderId"]])
        self.sandbox.store.ship_order(
            survivor_order["orderId"], parcels=[{"trackingNumber": "MERGED", "shipmentCost": 10.0}]
        )
        self._sync()
        self.assertEqual(survivor.state, "done")
        self.assertEqual(absorbed.shipstation_sync_state, "waiting", "no poster in stock yet")
        self.assertEqual(absorbed.shipstation_order_status, "shipped")
        # As a version before 17.0.1.1.0 left it: the order seen shipped, its lines never recorded.
        absorbed.write({"shipstation_order_skus": False, "shipstation_order_lines": False})
        self._age_watermark()
        self._age_watermark(other_account)
        self.env["stock.quant"]._update_available_quantity(poster, self.stock_location, 5)
        absorbed.action_assign()
        self._sync()
        self.assertEqual(absorbed.state, "assigned")
        self.assertEqual(absorbed.shipstation_sync_state, "waiting", "the label's mug is nobody's it knows")

        self.env.flush_all()
        self.assertEqual(post.read_again(self.env.cr, "17.0.1.2.0"), [], "that version recorded the lines")
        self.assertEqual(post.read_again(self.env.cr, "17.0.1.0.0"), [self.account.id])
        self.env.invalidate_all()
        self.assertFalse(self.account.sync_since)
        self.assertTrue(other_account.sync_since, "an account with nothing missing is not read again")
        self._sync()
        self.assertEqual(absorbed.state, "done")
        self.assertEqual(absorbed.shipstation_sync_state, "synced")
        self.assertEqual(absorbed.carrier_tracking_ref, "MERGED")
        self.assertEqual(absorbed.shipstation_shipping_cost, 0.0, "the survivor's delivery carries the cost")
        self.assertIn("ss-poster", absorbed.shipstation_order_skus.split("\n"))
        self.assertTrue(self.account.sync_since, "the run moved the watermark again")

    def test_webhook_calls_kept_on_the_account_become_rows(self):
        post = load_migration("post-migration")
        cr = self.env.cr
        self.assertEqual(post.carry_webhook_calls(cr), [], "today's layout has no such columns")
        cr.execute(
            "ALTER TABLE shipstation_account ADD COLUMN webhook_last_received timestamp,"
            " ADD COLUMN webhook_pending boolean, ADD COLUMN webhook_last_sync timestamp"
        )
        synced, received = datetime(2026, 11, 30, 10, 0), datetime(2026, 11, 30, 10, 5)
        quiet = self._make_account("Quiet ShipStation")
        self.env.flush_all()
        cr.execute(
            "UPDATE shipstation_account SET webhook_last_received = %s, webhook_pending = true, webhook_last_sync = %s"
            " WHERE id = %s",
            [received, synced, self.account.id],
        )
        self.assertEqual(post.carry_webhook_calls(cr), [self.account.id])
        self.assertEqual(post.carry_webhook_calls(cr), [], "once")
        self.env.invalidate_all()
        self.assertEqual(self.account.webhook_last_received, received)
        self.assertEqual(self.account.webhook_last_sync, synced)
        self.assertTrue(self.account.webhook_pending, "the sync a call asked for still comes")
        self.assertFalse(quiet.webhook_last_received)


@tagged("post_install", "-at_install")
class TestUninstall(ShipStationCommon):
    """The uninstall hook removes from ShipStation the webhooks the addon subscribed."""

    def test_uninstall_removes_the_webhooks_from_shipstation(self):
        self.account.action_subscribe_webhooks()
        with self.account._get_shipstation_client() as client:
            self.assertEqual(len(client.list_webhooks()), 2)
        uninstall_hook(self.env)
        with self.account._get_shipstation_client() as client:
            self.assertEqual(client.list_webhooks(), [])
        self.assertFalse(self.account.webhook_ids)

    def test_a_shipstation_error_does_not_block_the_uninstall(self):
        broken = self._make_account("Broken ShipStation")
        broken.action_subscribe_webhooks()
        self.account.action_subscribe_webhooks()
        broken.active = False  # archived accounts' hooks are removed too
        path = "/v2/environment/webhooks*" if self.API_VERSION == "v2" else "/webhooks*"
        self.sandbox.faults.add(status=500, path=path, count=None)
        with self.assertLogs("odoo.addons.shipstation_connector.hooks", "WARNING") as logs:
            uninstall_hook(self.env)
        self.assertEqual(len(logs.output), 2, "each account is tried and logged")
        self.assertIn("could not be removed", logs.output[0])
        self.assertEqual((len(self.account.webhook_ids), len(broken.webhook_ids)), (2, 2), "what failed is kept")
        self.sandbox.faults.clear()
        with mute_logger("odoo.addons.shipstation_connector.hooks"):
            uninstall_hook(self.env)
        with self.account._get_shipstation_client() as client:
            self.assertEqual(client.list_webhooks(), [])
        self.assertFalse(self.account.webhook_ids | broken.webhook_ids)


@tagged("post_install", "-at_install")
class TestUninstallV2(TestUninstall):
    API_VERSION = "v2"
