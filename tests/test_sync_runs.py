from unittest.mock import patch

from odoo import sql_db
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from ..lib.shipstation.messages import ACCOUNT_BUSY, ACCOUNT_CONFLICT, message
from ..models import shipstation_sync_apply
from .common import ShipStationCommon


@tagged("post_install", "-at_install")
class TestSyncRuns(ShipStationCommon):
    """How sync runs behave: failures kept to their delivery or account, entry points,
    API use and security, against the ShipStation sandbox over real HTTP."""

    # -- failures stay where they happen --------------------------------------------------

    def test_missing_order_and_failing_order_do_not_stop_others(self):
        good, order = self._make_delivery([(self.mug, 1)])
        missing, _order = self._make_delivery([(self.tee, 1)], export=False)
        missing.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": self.account._shipstation_ref(987654),
            }
        )
        broken, _order = self._make_delivery([(self.cap, 1)], export=False)
        broken.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": self.account._shipstation_ref(987655),
            }
        )
        self.sandbox.faults.add(status=500, count=None, path=self._order_path(987655))
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "STILL1"}])
        report = self._sync()
        self.assertEqual(good.state, "done")
        self.assertEqual(good.carrier_tracking_ref, "STILL1")
        self.assertEqual(missing.shipstation_sync_state, "failed")
        self.assertIn(self.account._shipstation_ref(987654), missing.shipstation_sync_message)  # se-987654 on v2
        self.assertEqual(broken.shipstation_sync_state, "failed")
        self.assertIn("could not return", broken.shipstation_sync_message)
        self.assertEqual(report.failed, 2)
        self.assertEqual({name for name, _reason in report.failures}, {missing.name, broken.name})

    @mute_logger("odoo.addons.shipstation_connector.models.shipstation_sync")
    def test_odoo_error_while_validating_is_isolated(self):
        bad, bad_order, lot = self._serial_delivery_without_lot()
        good, good_order = self._make_delivery([(self.mug, 1)])
        for order in (bad_order, good_order):
            self.sandbox.store.ship_order(order["orderId"])
        report = self._sync()
        self.assertEqual(good.state, "done")
        self.assertNotEqual(bad.state, "done")
        self.assertEqual(bad.shipstation_sync_state, "failed")
        self.assertTrue(bad.carrier_tracking_ref, "what ShipStation said is kept, the validation undone")
        self.assertEqual(report.failed, 1)
        # The warehouse sets the serial number; a later run, with nothing new in ShipStation,
        # validates the failed delivery from what the read recorded, without reading its order.
        bad.move_ids.move_line_ids.lot_id = lot
        self._age_watermark()
        self.sandbox.reset_log()
        self._sync()
        self.assertEqual(bad.state, "done")
        self.assertEqual(bad.shipstation_sync_state, "synced")
        self.assertEqual(self.sandbox.count(path_prefix=self._order_path(bad_order["orderId"])), 0)

    @mute_logger("odoo.addons.shipstation_connector.models.shipstation_sync")
    def test_a_failing_chunk_is_halved_down_to_its_culprit_and_the_rest_validate_in_batches(self):
        bad, bad_order, _lot = self._serial_delivery_without_lot()
        partial, partial_order = self._make_delivery([(self.mug, 3), (self.tee, 2)])
        whole, whole_order = self._make_delivery([(self.mug, 1), (self.cap, 2)])
        others = [self._make_delivery([(self.cap, 1)]) for _i in range(4)]
        gone, gone_order = self._make_delivery([(self.tee, 1)])
        self.sandbox.store.ship_order(
            partial_order["orderId"], parcels=[{"trackingNumber": "HALF1", "items": [{"sku": "SS-MUG", "quantity": 2}]}]
        )
        for order in [bad_order, whole_order] + [order for _picking, order in others]:
            self.sandbox.store.ship_order(order["orderId"])
        self.sandbox.store.cancel_order(gone_order["orderId"])
        sizes = []
        batch = type(self.env["shipstation.sync"])._apply_batch

        def counted(sync, account, items, started_at):
            sizes.append(len(items))
            return batch(sync, account, items, started_at)

        with patch.object(type(self.env["shipstation.sync"]), "_apply_batch", counted):
            report = self._sync()
        # The chunk of 7 validations, then its halves down to the culprit (the first delivery),
        # the halves beside it applied whole; then the cancellation, a chunk of its own.
        self.assertEqual(sizes, [7, 4, 2, 1, 1, 2, 3, 1])
        v1 = self.API_VERSION == "v1"  # v2 labels list no items: the order shipped in part ships whole
        self.assertEqual((report.validated, report.cancelled, report.failed, report.backorders), (6, 1, 1, int(v1)))
        self.assertEqual(bad.shipstation_sync_state, "failed")
        self.assertNotEqual(bad.state, "done")
        shipped = {self.mug: 2.0} if v1 else {self.mug: 3.0, self.tee: 2.0}
        self.assertEqual({m.product_id: m.quantity for m in partial.move_ids if m.quantity}, shipped)
        left = {self.mug: 1.0, self.tee: 2.0} if v1 else {}
        self.assertEqual({m.product_id: m.product_uom_qty for m in partial.backorder_ids.move_ids}, left)
        self.assertEqual({m.product_id: m.quantity for m in whole.move_ids}, {self.mug: 1.0, self.cap: 2.0})
        self.assertEqual({picking.state for picking, _order in others} | {whole.state, partial.state}, {"done"})
        self.assertEqual(gone.state, "cancel")
        notes = [body for picking in (whole, partial) for body in self._notes(picking) if "Validated" in body]
        self.assertEqual(len(notes), 2, "one note a delivery, however often its chunk was applied")

    def test_validations_and_cancellations_go_in_chunks_of_one_kind(self):
        kinds = []
        batch = type(self.env["shipstation.sync"])._apply_batch

        def recorded(sync, account, items, started_at):
            kinds.append({decision.action for _picking, decision in items})
            return batch(sync, account, items, started_at)

        pickings = self.env["stock.picking"]
        for index in range(4):
            picking, order = self._make_delivery([(self.mug, 1)])
            if index % 2:
                self.sandbox.store.cancel_order(order["orderId"])
            else:
                self.sandbox.store.ship_order(order["orderId"])
            pickings |= picking
        with patch.object(shipstation_sync_apply, "APPLY_CHUNK", 2), patch.object(
            type(self.env["shipstation.sync"]), "_apply_batch", recorded
        ):
            report = self._sync()
        self.assertEqual(kinds, [{"validate"}, {"cancel"}])
        self.assertEqual(pickings.mapped("state"), ["done", "cancel", "done", "cancel"])
        self.assertEqual((report.validated, report.cancelled), (2, 2))

    @mute_logger("odoo.addons.shipstation_connector.models.shipstation_sync", "odoo.sql_db")
    def test_a_concurrent_update_of_the_same_rows_fails_no_delivery_and_the_next_run_applies_it(self):
        """Two accounts' syncs validating the same products at once: PostgreSQL refuses the
        later one's update. That is no failure of its deliveries."""
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        # A row this transaction never wrote, changed and committed by another one since it began:
        # updating it here is a real serialization failure, as on a quant another job moved.
        row = "UPDATE ir_config_parameter SET value = value WHERE key = 'database.uuid'"
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SET LOCAL lock_timeout = '5s'")
            other.execute(row)
            other.commit()
        batch = type(self.env["shipstation.sync"])._apply_batch

        def meeting_the_other(sync, account, items, started_at):
            sync.env.cr.execute(row)
            return batch(sync, account, items, started_at)

        with patch.object(type(self.env["shipstation.sync"]), "_apply_batch", meeting_the_other):
            report = self._sync()
        self.assertEqual(report.error, message(ACCOUNT_CONFLICT))
        self.assertTrue(report.transient, "a job meeting it is run again later")
        self.assertEqual((report.failed, report.validated), (0, 0))
        self.assertEqual(picking.state, "assigned")
        self.assertFalse(picking.shipstation_sync_state, "the delivery is not marked failed")
        self.assertFalse(self.account.sync_since, "the watermark stays, so the next run reads it again")
        self.assertIn("same stock", self.account.last_sync_summary)
        report = self._sync()
        self.assertEqual((report.error, report.validated), (None, 1))
        self.assertEqual(picking.state, "done")

    def test_a_rate_limit_reserve_leaves_calls_of_each_window_to_the_keys_other_apps(self):
        limiter = self.sandbox.limiter_v2 if self.API_VERSION == "v2" else self.sandbox.limiter
        self.patch(limiter, "limit", 5)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("shipstation_connector.rate_limit_max_wait", "0.01")
        waited = {}
        for reserve in ("0", "4"):
            params.set_param("shipstation_connector.rate_limit_reserve", reserve)
            self.patch(limiter, "_start", None)  # a fresh window of 5 calls
            with self.account._get_shipstation_client() as client:
                client.list_webhooks()  # 4 left in the window
                client.list_webhooks()
                waited[reserve] = client.waited
        self.assertEqual(waited["0"], 0.0, "without a reserve, the connector spends the window")
        self.assertEqual(waited["4"], 0.01, "with 4 kept for others, it waits for the next window")

    def test_bad_credentials_fail_that_account_only(self):
        other = self._make_account("Wrong key", api_key="nope")
        ok_picking, order = self._make_delivery([(self.mug, 1)])
        other_picking, other_order = self._make_delivery([(self.tee, 1)], account=other)
        for o in (order, other_order):
            self.sandbox.store.ship_order(o["orderId"])
        wizard = Form(
            self.env["shipstation.operation.wizard"].with_context(default_account_ids=(self.account | other).ids)
        )
        wizard.save().action_process()
        self.assertEqual(ok_picking.state, "done")
        self.assertNotEqual(other_picking.state, "done")
        self.assertFalse(other.sync_since)
        self.assertIn("refused", other.message_ids[0].body)

    # -- entry points --------------------------------------------------------------------

    def test_wizard_with_two_accounts(self):
        second = self._make_account("Second account")
        p1, o1 = self._make_delivery([(self.mug, 1)])
        p2, o2 = self._make_delivery([(self.tee, 1)], account=second)
        for o in (o1, o2):
            self.sandbox.store.ship_order(o["orderId"])
        action = self.account.action_open_operations()
        self.assertEqual(action["context"]["default_account_ids"], self.account.ids)
        form = Form(self.env["shipstation.operation.wizard"].with_context(**action["context"]))
        form.account_ids.add(second)
        self.assertEqual(form.operation, "import")
        self.assertEqual(form.import_operation, "import_shipment_details")
        wizard = form.save()
        wizard.action_process()
        self.assertEqual((p1.state, p2.state), ("done", "done"))
        self.assertEqual(wizard.state, "done")
        self.assertIn("Main ShipStation", wizard.result)
        self.assertIn("Second account", wizard.result)
        self.assertIn("API calls", wizard.result)

    def test_cron_runs_only_toggled_accounts(self):
        off = self._make_account("Toggle off")
        self.account.auto_import_shipment_details = True
        p_on, o_on = self._make_delivery([(self.mug, 1)])
        p_off, o_off = self._make_delivery([(self.tee, 1)], account=off)
        for o in (o_on, o_off):
            self.sandbox.store.ship_order(o["orderId"])
        cron = self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")
        self.assertFalse(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertEqual(
            (cron.model_id.model, cron.code), ("shipstation.sync", "model._cron_import_shipment_details()")
        )
        cron.method_direct_trigger()
        self.assertEqual(p_on.state, "done")
        self.assertEqual(p_off.state, "assigned")
        self.assertTrue(self.account.sync_since)
        self.assertFalse(off.sync_since)

    def test_scheduled_run_hands_the_rest_to_its_next_run(self):
        self.account.auto_import_shipment_details = True
        cron = self.env.ref("shipstation_connector.ir_cron_auto_import_shipment_details")
        cron.active = True
        pickings = self.env["stock.picking"]
        for _i in range(3):
            picking, order = self._make_delivery([(self.mug, 1)])
            self.sandbox.store.ship_order(order["orderId"])
            pickings |= picking
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("shipstation_connector.cron_time_budget", "0.000001")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        with patch.object(shipstation_sync_apply, "APPLY_CHUNK", 1):  # one delivery a chunk, so it stops after one
            self.env["shipstation.sync"]._cron_import_shipment_details()
        self.assertEqual(pickings.mapped("state").count("done"), 1)
        self.assertFalse(self.account.sync_since, "an unfinished run keeps the watermark")
        self.assertIn("2 deliveries left for the next run", self.account.last_sync_summary)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)
        params.set_param("shipstation_connector.cron_time_budget", "600")
        self.env["shipstation.sync"]._cron_import_shipment_details()
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        self.assertTrue(self.account.sync_since)

    def test_concurrent_sync_of_same_account_is_refused(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        with self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x5353, self.account.id])
            report = self._sync()
        self.assertEqual(report.error, message(ACCOUNT_BUSY))
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(report.api_calls, 0)

    # -- API use -------------------------------------------------------------------------

    def test_api_calls_do_not_grow_with_deliveries(self):
        for _i in range(3):
            picking, order = self._make_delivery([(self.mug, 1)])
            self.sandbox.store.ship_order(order["orderId"])
        few = self._sync().api_calls
        for _i in range(12):
            picking, order = self._make_delivery([(self.tee, 1)])
            self.sandbox.store.ship_order(order["orderId"])
        self.account.sync_since = False
        many = self._sync().api_calls
        self.assertLessEqual(many, few + 1)
        self.assertLessEqual(many, 4)
        again = self._sync()
        self.assertLessEqual(again.api_calls, 4)
        self.assertEqual(again.updated, 0)

    # -- security ------------------------------------------------------------------------

    def test_secret_readable_by_managers_only(self):
        user = new_test_user(self.env, "ss_user", groups="shipstation_connector.group_shipstation_user")
        manager = new_test_user(self.env, "ss_manager", groups="shipstation_connector.group_shipstation_manager")
        for field in ("api_key", "api_secret"):
            value = self.account.sudo()[field]
            self.assertEqual(self.account.with_user(manager)[field], value)
            account_as_user = self.account.with_user(user)
            self.assertEqual(account_as_user.name, "Main ShipStation")
            self.assertNotIn(field, account_as_user.fields_get())
            with self.assertRaises(AccessError):
                account_as_user.read([field])
        self.assertEqual(
            self.account.with_user(manager).api_key, "test-v2-key" if self.API_VERSION == "v2" else "test-key"
        )

    def test_company_b_user_sees_nothing_of_company_a(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        account_b = self._make_account("Account B", company=company_b)
        picking_a, order_a = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order_a["orderId"])
        user_b = new_test_user(
            self.env,
            "ss_user_b",
            groups="shipstation_connector.group_shipstation_user,stock.group_stock_user",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        Account = self.env["shipstation.account"].with_user(user_b)
        self.assertEqual(Account.search([]), account_b)
        report = self._sync(account_b, user=user_b)
        self.assertFalse(report.error)
        self.assertEqual(report.checked, 0)
        self.assertEqual(picking_a.state, "assigned")
        self.assertFalse(picking_a.carrier_tracking_ref)


@tagged("post_install", "-at_install")
class TestSyncRunsV2(TestSyncRuns):
    """The same runs for accounts on ShipStation API v2."""

    API_VERSION = "v2"
