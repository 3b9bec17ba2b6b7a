from odoo.tests import tagged

from ..lib.shipstation import messages as msg
from ..lib.shipstation import reconcile as rec
from .common import ShipStationCommon

GRACE = "shipstation_connector.reconcile_grace_hours"


@tagged("post_install", "-at_install")
class TestReconcileSafety(ShipStationCommon):
    """No fix of a reconciliation creates a ShipStation order for goods ShipStation may hold
    or have shipped: a delivery's number is looked up before anything is exported again."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(GRACE, "0")

    def _reconcile(self):
        wizard = self.env["shipstation.reconcile.wizard"].create({"account_id": self.account.id})
        wizard.action_reconcile()
        return wizard

    def _orders(self):
        return self.sandbox.store.counts()["orders"]

    def _vanished(self):
        """An open delivery whose recorded order ShipStation does not have, under no number either."""
        picking, _order = self._make_delivery([(self.cap, 1)], export=False)
        picking.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": self.account._shipstation_ref(987654),
            }
        )
        return picking

    def test_a_wrong_order_id_is_linked_to_the_order_under_its_number_never_duplicated(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        picking.shipstation_order_id = self.account._shipstation_ref(987654)  # typed wrong
        orders = self._orders()
        wizard = self._reconcile()
        line = wizard.line_ids.filtered(lambda ln: ln.picking_id == picking)
        self.assertEqual((line.kind, line.fix), (rec.MISSING, rec.FIX_LINK))
        self.assertEqual(
            line.shipstation_value, "%s (awaiting_shipment)" % self.account._shipstation_ref(order["orderId"])
        )
        self.assertIn("nothing is exported again", line.advice)
        wizard.action_fix_all()
        self.assertEqual(line.state, "fixed", line.result)
        self.assertEqual(self._order_id(picking), order["orderId"])
        self.assertEqual(self._orders(), orders, "no second order carries the delivery's number")
        self.assertTrue(any("nothing was exported again" in body for body in self._notes(picking)))
        self.assertFalse(self._reconcile().line_ids, "linked: ShipStation and Odoo agree")

    def test_a_linked_order_that_shipped_validates_the_delivery(self):
        picking, order = self._make_delivery([(self.mug, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "LINK1"}])
        picking.shipstation_order_id = self.account._shipstation_ref(987654)
        orders = self._orders()
        self._reconcile().action_fix_all()
        self.assertEqual(picking.state, "done", "its goods left: validated, not sent again")
        self.assertEqual(picking.carrier_tracking_ref, "LINK1")
        self.assertEqual(self._orders(), orders)

    def test_a_vanished_order_is_exported_again_only_by_a_person(self):
        picking = self._vanished()
        orders = self._orders()
        wizard = self._reconcile()
        line = wizard.line_ids
        self.assertEqual((line.picking_id, line.kind), (picking, rec.MISSING))
        self.assertFalse(line.fix, "no safe fix exports it again")
        self.assertIn("merged into another order", line.advice)
        self.assertFalse(wizard.fixable_count)
        wizard.action_fix_all()
        self.assertEqual(line.state, "open")
        self.assertEqual(self._orders(), orders, "Fix All Safe created no order")
        self.assertEqual(self._order_id(picking), 987654)
        line.action_export_again()  # a person chose to, after the warning
        self.assertEqual(line.state, "fixed", line.result)
        self.assertEqual(self._orders(), orders + 1)
        self.assertNotEqual(self._order_id(picking), 987654)
        self.assertIsNotNone(self.sandbox.store.get_order(self._order_id(picking)))

    def test_export_again_links_an_order_that_appeared_under_the_number(self):
        picking = self._vanished()
        line = self._reconcile().line_ids
        self.assertFalse(line.fix)
        order = self._order_for(picking, [(self.cap, 1)])  # e.g. a merge undone in ShipStation meanwhile
        orders = self._orders()
        line.action_export_again()
        self.assertEqual(line.state, "fixed", line.result)
        self.assertEqual(self._order_id(picking), order["orderId"])
        self.assertEqual(self._orders(), orders)

    def test_a_merged_order_is_never_exported_again_by_a_safe_fix(self):
        """v1 reports the merge (the survivor names it); v2 does not: its delivery fails saying it may
        have been merged, and no safe fix sends it again."""
        survivor, survivor_order = self._make_delivery([(self.mug, 1)])
        absorbed, absorbed_order = self._make_delivery([(self.tee, 1)])
        self.sandbox.store.merge_orders(survivor_order["orderId"], [absorbed_order["orderId"]])
        self.sandbox.store.ship_order(survivor_order["orderId"], parcels=[{"trackingNumber": "MERGED1"}])
        self._sync()
        orders = self._orders()
        wizard = self._reconcile()
        wizard.action_fix_all()
        self.assertEqual(self._orders(), orders, "no order was created for goods that may have shipped")
        if self.API_VERSION == "v1":
            self.assertEqual(absorbed.state, "done")
            self.assertEqual(absorbed.carrier_tracking_ref, "MERGED1")
            return
        self.assertEqual(absorbed.shipstation_sync_state, "failed")
        self.assertIn("merged into another order", absorbed.shipstation_sync_message)
        self.assertIn(msg.ORDER_MISSING, absorbed.shipstation_sync_code)
        line = wizard.line_ids.filtered(lambda ln: ln.picking_id == absorbed)
        self.assertEqual((line.kind, line.fix, line.state), (rec.MISSING, False, "open"))
        self.assertEqual(self._order_id(absorbed), absorbed_order["orderId"])


@tagged("post_install", "-at_install")
class TestReconcileSafetyV2(TestReconcileSafety):
    """The same on an API v2 account (``GET /v2/shipments?shipment_number=``)."""

    API_VERSION = "v2"
