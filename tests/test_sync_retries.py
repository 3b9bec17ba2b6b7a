from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib.shipstation import fetch
from .common import ShipStationCommon


@tagged("post_install", "-at_install")
class TestSyncRetries(ShipStationCommon):
    """Which failed deliveries a sync tries again, in which order, and what that costs in calls."""

    def _backdate_moves(self, picking, hours=1):
        """Pretend ``picking``'s moves and move lines were last written before it failed."""
        self.env.flush_all()
        for table in ("stock_move", "stock_move_line"):
            self.env.cr.execute(
                "UPDATE %s SET write_date = write_date - interval '%s hours' WHERE picking_id = %%s" % (table, hours),
                [picking.id],
            )
        self.env.invalidate_all()

    @mute_logger("odoo.addons.shipstation_connector.models.shipstation_sync")
    def test_a_failure_in_odoo_waits_for_its_odoo_side_then_retries_without_reading_shipstation(self):
        bad, bad_order, lot = self._serial_delivery_without_lot()
        self.sandbox.store.ship_order(bad_order["orderId"], parcels=[{"trackingNumber": "SERIAL1"}])
        self._sync()
        self.assertEqual((bad.state, bad.shipstation_sync_state), ("assigned", "failed"))
        self.assertEqual(bad.carrier_tracking_ref, "SERIAL1", "the read is recorded, the validation undone")
        self.assertTrue(bad.shipstation_failed_at)
        notes = len(bad.message_ids)
        # Nothing changed, in ShipStation or in Odoo: nothing is tried, nothing read, nothing posted.
        self._backdate_moves(bad)
        self._age_watermark()
        self.sandbox.reset_log()
        self._sync()
        self.assertEqual(bad.shipstation_sync_state, "failed")
        self.assertEqual(self.sandbox.count(path_prefix=self._order_path(bad_order["orderId"])), 0)
        self.assertEqual(len(bad.message_ids), notes)
        # The serial number is set: the next run validates from what was recorded, still no read.
        bad.move_ids.move_line_ids.lot_id = lot
        self._sync()
        self.assertEqual((bad.state, bad.shipstation_sync_state), ("done", "synced"))
        self.assertEqual(self.sandbox.count(path_prefix=self._order_path(bad_order["orderId"])), 0)

    @mute_logger("odoo.addons.shipstation_connector.models.shipstation_sync")
    def test_the_same_odoo_failure_posts_one_message_however_many_runs_meet_it(self):
        bad, bad_order, _lot = self._serial_delivery_without_lot()
        self.sandbox.store.ship_order(bad_order["orderId"])
        for _run in range(3):
            self._sync()
            self._age_watermark()
        failures = [body for body in self._notes(bad) if "sync failed" in body.lower()]
        self.assertEqual(len(failures), 1, failures)

    def test_a_failed_delivery_whose_moves_changed_is_read_again_before_older_failures(self):
        older, _order = self._make_delivery([(self.mug, 1)], export=False)
        changed, _order = self._make_delivery([(self.tee, 1)], export=False)
        for picking, order_id in ((older, 987001), (changed, 987002)):
            picking.write(
                {
                    "is_exported_to_shipstation": True,
                    "shipstation_account_id": self.account.id,
                    "shipstation_order_id": self.account._shipstation_ref(order_id),
                }
            )
        self._sync()
        self.assertEqual((older + changed).mapped("shipstation_sync_state"), ["failed", "failed"])
        now = older.shipstation_failed_at
        older.shipstation_read_attempt = now.replace(year=now.year - 1)
        changed.shipstation_read_attempt = now
        self._backdate_moves(older)
        self._age_watermark()
        self.sandbox.reset_log()
        with patch.object(fetch, "RETRY_FAILED", 1):
            self._sync()
        self.assertEqual(self.sandbox.count(path_prefix=self._order_path(987002)), 1, "changed since: first")
        self.assertEqual(self.sandbox.count(path_prefix=self._order_path(987001)), 0)
        # An order ShipStation has not had for a few runs costs no call, whatever changed in Odoo.
        changed.shipstation_missing_count = fetch.GIVE_UP_MISSING
        self.sandbox.reset_log()
        with patch.object(fetch, "RETRY_FAILED", 1):
            self._sync()
        self.assertEqual(self.sandbox.count(path_prefix=self._order_path(987002)), 0)
        self.assertEqual(self.sandbox.count(path_prefix=self._order_path(987001)), 1)

    def test_a_refused_key_leaves_one_message_however_many_runs_meet_it(self):
        refused = self._make_account("Wrong key", api_key="nope")
        self._make_delivery([(self.tee, 1)], account=refused)
        waiting = self._make_delivery([(self.tee, 1)], account=refused, export=False)[0]
        before, waiting_before = len(refused.message_ids), len(waiting.message_ids)
        for _run in range(3):
            self.assertTrue(self._sync(refused).refused)
            self.env["shipstation.export"]._export_accounts(refused)
        posted = refused.message_ids[: len(refused.message_ids) - before]
        self.assertEqual(len(posted), 1, posted.mapped("body"))
        self.assertEqual(len(waiting.message_ids) - waiting_before, 1, "one 'not exported' note on the delivery")


@tagged("post_install", "-at_install")
class TestSyncRetriesV2(TestSyncRetries):
    """The same retries for accounts on ShipStation API v2."""

    API_VERSION = "v2"
