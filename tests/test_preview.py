from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ShipStationCommon, v1_only

#: Tables a preview through the wizard writes to (its own transient records).
WIZARD_TABLES = {"shipstation_operation_wizard", "shipstation_preview_line", "shipstation_operation_wizard_run_rel"}


@tagged("post_install", "-at_install")
class TestPreview(ShipStationCommon):
    """ "Preview only" reads ShipStation and plans as a sync does, and changes nothing at all."""

    def _scenario(self):
        """Deliveries a sync would validate (one in part), cancel, make wait, fail and leave alone."""
        shipped, order = self._make_delivery([(self.mug, 2)])
        self.sandbox.store.ship_order(
            order["orderId"], parcels=[{"trackingNumber": "1ZPREV1", "carrierCode": "ups", "shipmentCost": 7.5}]
        )
        cancelled, order = self._make_delivery([(self.cap, 1)])
        self.sandbox.store.cancel_order(order["orderId"])
        untouched, _order = self._make_delivery([(self.tee, 1)])
        poster = self._make_product("Poster", "SS-POSTER", qty=2)
        short, order = self._make_delivery([(poster, 5)])  # only 2 in stock of the 5 shipped: it waits
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZPREV3", "carrierCode": "ups"}])
        missing, _order = self._make_delivery([(self.cap, 2)])
        missing.shipstation_order_id = self.account._shipstation_ref(999999)
        cases = {"shipped": shipped, "cancelled": cancelled, "untouched": untouched, "short": short, "missing": missing}
        if self.API_VERSION == "v1":  # v2 labels list no items: no partial shipment there
            partial, order = self._make_delivery([(self.mug, 3), (self.cap, 1)])
            self.sandbox.store.ship_order(
                order["orderId"],
                parcels=[{"trackingNumber": "1ZPREV2", "items": [{"sku": "SS-MUG", "quantity": 2}]}],
            )
            cases["partial"] = partial
        return cases

    def _writes(self):
        """Rows inserted, updated and deleted so far in this transaction, per table."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return dict(self.env.cr.fetchall())

    def _state(self):
        """Everything a sync could change, read from the database."""
        self.env.invalidate_all()

        def stored(model, domain=()):
            Model = self.env[model].sudo().with_context(active_test=False)
            names = [name for name, field in Model._fields.items() if field.store and name != "write_date"]
            return Model.search(list(domain), order="id").read(names)

        return {
            "deliveries": stored("stock.picking"),
            "moves": stored("stock.move"),
            "move lines": stored("stock.move.line"),
            "parcels": stored("shipstation.shipment"),
            "messages": stored("mail.message", [("model", "in", ("stock.picking", "shipstation.account"))]),
            "account": stored("shipstation.account"),
            "runs": stored("shipstation.sync.run"),
            "quants": stored("stock.quant"),
            "activities": stored("mail.activity"),
        }

    def test_the_preview_writes_nothing_and_says_what_each_delivery_would_get(self):
        cases = self._scenario()
        before = self._writes()
        state = self._state()
        self.sandbox.reset_log()
        [(report, previews)] = self.env["shipstation.sync"]._preview_accounts(self.account)
        self.assertEqual(self._writes(), before, "no row of any table was written")
        self.assertEqual(self._state(), state)
        self.assertTrue(self.sandbox.requests)
        self.assertEqual({r.method for r in self.sandbox.requests}, {"GET"}, "ShipStation is only read")
        by_picking = {p["picking_id"]: p for p in previews}
        expect = {"shipped": "validate", "cancelled": "cancel", "short": "wait", "missing": "fail"}
        if "partial" in cases:
            expect["partial"] = "validate"
        self.assertEqual({name: by_picking[cases[name].id]["action"] for name in expect}, expect)
        self.assertNotIn(cases["untouched"].id, by_picking, "a delivery nothing happens to is not listed")
        shipped = by_picking[cases["shipped"].id]
        mug, cap = self.mug.display_name, self.cap.display_name
        self.assertEqual((shipped["ship"], shipped["backorder"]), ("2 × %s" % mug, False))
        self.assertEqual((shipped["tracking"], shipped["cost"]), ("1ZPREV1", 7.5))
        self.assertIn("SS-POSTER: 2 of 5", by_picking[cases["short"].id]["message"])
        self.assertTrue(by_picking[cases["missing"].id]["message"])
        counts = (report.checked, report.validated, report.cancelled, report.waiting, report.failed)
        self.assertEqual(counts, (len(cases), len(expect) - 3, 1, 1, 1))
        if "partial" in cases:
            partial = by_picking[cases["partial"].id]
            self.assertEqual((partial["ship"], partial["backorder"]), ("2 × %s" % mug, "1 × %s, 1 × %s" % (mug, cap)))
            self.assertEqual(report.backorders, 1)
        # The real run then does exactly what the preview said.
        real = self._sync()
        self.assertEqual(
            (real.checked, real.validated, real.backorders, real.cancelled, real.waiting, real.failed),
            (report.checked, report.validated, report.backorders, report.cancelled, report.waiting, report.failed),
        )
        self.assertEqual(cases["shipped"].state, "done")
        self.assertEqual(cases["shipped"].carrier_tracking_ref, "1ZPREV1")
        self.assertEqual(cases["cancelled"].state, "cancel")
        if "partial" in cases:
            self.assertEqual(
                {m.product_id: m.product_uom_qty for m in cases["partial"].backorder_ids.move_ids},
                {self.mug: 1.0, self.cap: 1.0},
            )

    @v1_only("labels list no items (a partial shipment is a shipment of its own)")
    def test_a_preview_after_a_sync_sees_a_voided_label_and_changes_nothing(self):
        picking, order = self._make_delivery([(self.mug, 1), (self.cap, 1)])
        shipments = self.sandbox.store.ship_order(
            order["orderId"],
            parcels=[{"trackingNumber": "1ZKEEP", "items": [{"sku": "SS-MUG", "quantity": 1}]}],
        )
        self._sync()
        backorder = picking.backorder_ids
        self.sandbox.store.void_shipment(shipments[0]["shipmentId"])
        before, state = self._writes(), self._state()
        self.env["shipstation.sync"]._preview_accounts(self.account)
        self.assertEqual(self._writes(), before)
        self.assertEqual(self._state(), state)
        self.assertTrue(backorder)
        self.assertFalse(picking.shipstation_shipment_ids.voided, "still live in Odoo")
        self._sync()  # a real run records the void the preview saw
        self.assertTrue(picking.shipstation_shipment_ids.voided)

    def test_the_wizard_previews_then_applies(self):
        cases = self._scenario()
        wizard = self.env["shipstation.operation.wizard"].create(
            {"account_ids": [(6, 0, self.account.ids)], "operation": "import", "dry_run": True}
        )
        before, state = self._writes(), self._state()
        wizard.action_process()
        written = {table for table, rows in self._writes().items() if rows != before.get(table)}
        self.assertLessEqual(written, WIZARD_TABLES, "only the wizard's own records are written")
        self.assertEqual(self._state(), state)
        self.assertEqual(wizard.state, "done")
        self.assertTrue(wizard.result.startswith("Preview only: nothing was changed."))
        actions = {line.picking_id: line.action for line in wizard.preview_line_ids}
        self.assertEqual(actions[cases["shipped"]], "validate")
        self.assertEqual(actions[cases["cancelled"]], "cancel")
        self.assertEqual(wizard.preview_line_ids[:1].action_open_picking()["res_model"], "stock.picking")
        wizard.action_apply_preview()
        self.assertFalse(wizard.dry_run)
        self.assertEqual(cases["shipped"].state, "done")
        self.assertEqual(cases["cancelled"].state, "cancel")
        self.assertEqual(len(wizard.run_ids), 1)

    def test_read_again_from_a_date_backfills_an_old_change(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "1ZOLD"}])
        picking.shipstation_last_sync = fields.Datetime.now()  # read before: the window starts at the watermark
        self._age_watermark()
        [(report, previews)] = self.env["shipstation.sync"]._preview_accounts(self.account)
        self.assertEqual(report.validated, 0, "the watermark hides the shipment")
        since = fields.Datetime.now() - timedelta(days=1)
        [(report, previews)] = self.env["shipstation.sync"]._preview_accounts(self.account, since=since)
        self.assertEqual([p["action"] for p in previews], ["validate"])
        wizard = self.env["shipstation.operation.wizard"].create(
            {"account_ids": [(6, 0, self.account.ids)], "operation": "import", "read_since": since}
        )
        wizard.action_process()
        self.assertEqual(picking.state, "done")


@tagged("post_install", "-at_install")
class TestPreviewV2(TestPreview):
    API_VERSION = "v2"
