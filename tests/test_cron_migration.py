import importlib.util
from datetime import datetime
from pathlib import Path

from odoo.tests import tagged

from .common import ShipStationCommon

MIGRATION = Path(__file__).resolve().parent.parent / "migrations" / "17.0.1.6.0" / "post-crons.py"


def _migration():
    """The 17.0.1.6.0 post-migration script as a module (its file name is not an identifier)."""
    spec = importlib.util.spec_from_file_location("shipstation_connector_migration_1_6_0_post_crons", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestCronMigration(ShipStationCommon):
    """The scheduled actions run on the services that do the work; a database installed before
    17.0.1.6.0 keeps them on the account (and the webhook subscriptions' model) until its
    migration points them there, keeping what the shop set."""

    OLD_MODELS = {
        "ir_cron_auto_import_shipment_details": "shipstation.account",
        "ir_cron_auto_export_delivery_orders": "shipstation.account",
        "ir_cron_webhook_sync": "shipstation.webhook",
    }
    NEW = {
        "ir_cron_auto_import_shipment_details": ("shipstation.sync", "model._cron_import_shipment_details()"),
        "ir_cron_auto_export_delivery_orders": ("shipstation.export", "model._cron_export_delivery_orders()"),
        "ir_cron_webhook_sync": ("shipstation.webhook.call", "model._cron_sync_webhook_calls()"),
    }

    def _cron(self, name):
        return self.env.ref("shipstation_connector.%s" % name)

    def _shape_as_before(self, name, model=None, code=None):
        """Reshape the scheduled action ``name`` as the data of 17.0.1.5.0 and before made it,
        with what a shop may have set: switched on, every 3 hours, next call on a date of its own."""
        cron = self._cron(name)
        model = model or self.OLD_MODELS[name]
        self.env.cr.execute(
            "UPDATE ir_act_server SET model_id = %s, model_name = %s, code = COALESCE(%s, code) WHERE id = %s",
            [self.env["ir.model"]._get_id(model), model, code, cron.ir_actions_server_id.id],
        )
        self.env.cr.execute(
            "UPDATE ir_cron SET active = true, interval_number = 3, interval_type = 'hours', nextcall = %s"
            " WHERE id = %s",
            [datetime(2031, 5, 4, 3, 2, 1), cron.id],
        )
        self.env.invalidate_all()
        self.assertEqual(cron.model_id.model, model)
        return cron

    def _migrate(self):
        _migration().migrate(self.env.cr, "17.0.1.5.0")
        self.env.invalidate_all()

    def _assert_kept_what_the_shop_set(self, cron):
        self.assertEqual(
            (cron.active, cron.interval_number, cron.interval_type, cron.nextcall),
            (True, 3, "hours", datetime(2031, 5, 4, 3, 2, 1)),
        )

    def test_new_databases_run_the_scheduled_actions_on_the_services(self):
        for name, (model, code) in self.NEW.items():
            cron = self._cron(name)
            self.assertEqual((cron.model_id.model, cron.model_name, cron.code), (model, model, code), name)

    def test_an_older_import_action_hands_over_then_the_migration_repoints_it(self):
        self.account.auto_import_shipment_details = True
        cron = self._shape_as_before("ir_cron_auto_import_shipment_details")
        before, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        cron.method_direct_trigger()  # runs on the account, which hands over to the sync
        self.assertEqual(before.state, "done")
        self._migrate()
        self.assertEqual(
            (cron.model_id.model, cron.model_name, cron.code),
            ("shipstation.sync", "shipstation.sync", "model._cron_import_shipment_details()"),
        )
        self._assert_kept_what_the_shop_set(cron)
        after, order = self._make_delivery([(self.tee, 1)])
        self.sandbox.store.ship_order(order["orderId"])
        cron.method_direct_trigger()
        self.assertEqual(after.state, "done")

    def test_an_older_export_action_hands_over_then_the_migration_repoints_it(self):
        self.account.auto_export_delivery_orders = True
        cron = self._shape_as_before("ir_cron_auto_export_delivery_orders")
        before = self._make_delivery([(self.mug, 1)], export=False)[0]
        cron.method_direct_trigger()
        self.assertTrue(before.is_exported_to_shipstation)
        self._migrate()
        self.assertEqual(
            (cron.model_id.model, cron.model_name, cron.code),
            ("shipstation.export", "shipstation.export", "model._cron_export_delivery_orders()"),
        )
        self._assert_kept_what_the_shop_set(cron)
        after = self._make_delivery([(self.tee, 1)], export=False)[0]
        cron.method_direct_trigger()
        self.assertTrue(after.is_exported_to_shipstation)

    def test_an_older_webhook_action_is_repointed_to_the_calls_model(self):
        cron = self._shape_as_before("ir_cron_webhook_sync")
        self._migrate()
        self.assertEqual(
            (cron.model_id.model, cron.model_name, cron.code),
            ("shipstation.webhook.call", "shipstation.webhook.call", "model._cron_sync_webhook_calls()"),
        )
        self._assert_kept_what_the_shop_set(cron)
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZMIGRATED"}])
        self.env["shipstation.webhook.call"]._shipstation_call_received(self.account, "SHIP_NOTIFY")
        cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(picking.carrier_tracking_ref, "1ZMIGRATED")

    def test_an_action_a_shop_pointed_elsewhere_is_left_alone(self):
        cron = self._shape_as_before("ir_cron_auto_import_shipment_details", "res.partner", "model.browse()")
        self._migrate()
        self.assertEqual((cron.model_id.model, cron.code), ("res.partner", "model.browse()"))
        self._assert_kept_what_the_shop_set(cron)
