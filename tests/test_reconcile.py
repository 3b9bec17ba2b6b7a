from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..lib.shipstation import reconcile as rec
from ..models import shipstation_reconcile
from .common import ShipStationCommon

GRACE = "shipstation_connector.reconcile_grace_hours"


@tagged("post_install", "-at_install")
class TestReconcile(ShipStationCommon):
    """The reconciliation of an account against a ShipStation sandbox seeded with one
    delivery per kind of disagreement, and deliveries that agree, over real HTTP."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param(GRACE, "0")

    # -- helpers -------------------------------------------------------------------------

    def _validate_by_hand(self, picking):
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")

    def _ship(self, picking, tracking, cost=5.0):
        return self.sandbox.store.ship_order(
            self._order_id(picking), parcels=[{"trackingNumber": tracking, "shipmentCost": cost}]
        )[0]

    def _reconcile(self, account=None, user=None):
        env = self.env(user=user) if user else self.env
        wizard = env["shipstation.reconcile.wizard"].create({"account_id": (account or self.account).id})
        wizard.action_reconcile()
        return wizard

    def _found(self, wizard):
        return {(line.picking_id, line.kind) for line in wizard.line_ids}

    def _seed(self):
        """One delivery per kind, plus deliveries that agree; returns them by name."""
        d = {}
        d["agree_done"], _o = self._make_delivery([(self.mug, 1)])
        self._ship(d["agree_done"], "AGREE1")
        d["agree_cancel"], order = self._make_delivery([(self.cap, 1)])
        self.sandbox.store.cancel_order(order["orderId"])
        d["tracking"], _o = self._make_delivery([(self.tee, 1)])
        self._ship(d["tracking"], "TRK1")
        d["cost"], _o = self._make_delivery([(self.mug, 1)])
        cost_label = self._ship(d["cost"], "CST1", cost=5.0)
        d["voided"], _o = self._make_delivery([(self.cap, 1)])
        voided_label = self._ship(d["voided"], "VOID1")
        self._sync()
        for name in ("agree_done", "tracking", "cost", "voided"):
            self.assertEqual(d[name].state, "done", name)
        self.assertEqual(d["agree_cancel"].state, "cancel")
        # After the sync: ShipStation changes what it said of done deliveries.
        self._ship(d["tracking"], "TRK2", cost=2.0)
        self.sandbox.store.set_raw("shipment", cost_label["shipmentId"], shipmentCost=9.5)
        self.sandbox.store.void_shipment(voided_label["shipmentId"])
        d["agree_open"], _o = self._make_delivery([(self.mug, 1)])
        d["done_not_shipped"], _o = self._make_delivery([(self.tee, 1)])
        self._validate_by_hand(d["done_not_shipped"])
        d["without_tracking"], _o = self._make_delivery([(self.mug, 2)])
        self._validate_by_hand(d["without_tracking"])
        self._ship(d["without_tracking"], "HAND1", cost=6.0)
        d["cancelled_shipped"], _o = self._make_delivery([(self.cap, 1)])
        # Cancelled while ShipStation could not be reached, then shipped there.
        self.sandbox.faults.add(status=503, count=None)
        d["cancelled_shipped"].action_cancel()
        self.sandbox.faults.clear()
        self._ship(d["cancelled_shipped"], "GONE1")
        d["still_open"], _o = self._make_delivery([(self.tee, 1)])
        self._ship(d["still_open"], "OPEN1")
        d["missing"], _o = self._make_delivery([(self.cap, 1)], export=False)
        d["missing"].write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": self.account._shipstation_ref(987654),
            }
        )
        return d

    EXPECTED = {
        ("done_not_shipped", rec.DONE_NOT_SHIPPED),
        ("without_tracking", rec.DONE_WITHOUT_TRACKING),
        ("cancelled_shipped", rec.CANCELLED_BUT_SHIPPED),
        ("still_open", rec.SHIPPED_STILL_OPEN),
        ("missing", rec.MISSING),
        ("tracking", rec.TRACKING_DIFFERS),
        ("tracking", rec.COST_DIFFERS),
        ("cost", rec.COST_DIFFERS),
        ("voided", rec.VOIDED_AFTER_DONE),
    }

    # -- finding ---------------------------------------------------------------------------

    def test_each_kind_is_found_and_agreeing_deliveries_are_not(self):
        d = self._seed()
        wizard = self._reconcile()
        self.assertEqual(self._found(wizard), {(d[name], kind) for name, kind in self.EXPECTED})
        self.assertEqual(wizard.considered_count, len(d))
        for kind in rec.KINDS:
            expected = sum(1 for _name, k in self.EXPECTED if k == kind)
            self.assertEqual(wizard["%s_count" % kind], expected, kind)
        lines = {(line.picking_id, line.kind): line for line in wizard.line_ids}
        tracking = lines[d["tracking"], rec.TRACKING_DIFFERS]
        self.assertEqual((tracking.odoo_value, tracking.shipstation_value), ("TRK1", "TRK1,TRK2"))
        self.assertEqual(lines[d["cost"], rec.COST_DIFFERS].shipstation_value, "9.50")
        self.assertEqual(lines[d["without_tracking"], rec.DONE_WITHOUT_TRACKING].shipstation_value, "HAND1, 6.00")
        fixes = {(line.picking_id, line.kind): line.fix for line in wizard.line_ids}
        self.assertEqual(fixes[d["still_open"], rec.SHIPPED_STILL_OPEN], rec.FIX_SYNC)
        self.assertFalse(fixes[d["missing"], rec.MISSING], "a vanished order is never exported again by a safe fix")
        self.assertEqual(fixes[d["without_tracking"], rec.DONE_WITHOUT_TRACKING], rec.FIX_FILL)
        self.assertFalse(fixes[d["voided"], rec.VOIDED_AFTER_DONE])
        self.assertTrue(lines[d["voided"], rec.VOIDED_AFTER_DONE].advice)
        action = wizard.with_context(reconcile_kind=rec.COST_DIFFERS).action_open_lines()
        opened = self.env["shipstation.reconcile.line"].search(action["domain"])
        self.assertEqual(opened.picking_id, d["tracking"] | d["cost"])

    def test_reconciling_writes_nothing(self):
        d = self._seed()
        before = {p: (p.state, p.carrier_tracking_ref, p.write_date) for p in d.values()}
        parcels = self.env["shipstation.shipment"].search_read([], ["voided", "write_date"])
        self._reconcile()
        self.assertEqual({p: (p.state, p.carrier_tracking_ref, p.write_date) for p in d.values()}, before)
        self.assertEqual(self.env["shipstation.shipment"].search_read([], ["voided", "write_date"]), parcels)

    def test_a_shipped_order_within_the_grace_is_not_reported(self):
        self.env["ir.config_parameter"].sudo().set_param(GRACE, "24")
        picking, _order = self._make_delivery([(self.mug, 1)])
        self._ship(picking, "FRESH1")
        self.assertFalse(self._reconcile().line_ids)

    def test_old_done_deliveries_are_left_out(self):
        picking, _order = self._make_delivery([(self.tee, 1)])
        self._validate_by_hand(picking)
        picking.date_done = "2020-01-01 00:00:00"
        self.assertFalse(self._reconcile().line_ids)

    def test_orders_beyond_the_bound_are_not_seen(self):
        first, _o = self._make_delivery([(self.mug, 1)], export=False)
        second, _o = self._make_delivery([(self.mug, 1)], export=False)
        for picking, number in ((first, 987001), (second, 987002)):
            picking.write(
                {
                    "is_exported_to_shipstation": True,
                    "shipstation_account_id": self.account.id,
                    "shipstation_order_id": self.account._shipstation_ref(number),
                }
            )
        with patch.object(shipstation_reconcile, "READ_BY_ID", 1):
            wizard = self._reconcile()
        self.assertEqual(self._found(wizard), {(first, rec.MISSING), (second, rec.NOT_SEEN)})

    # -- fixing ----------------------------------------------------------------------------

    def test_each_fix_does_what_it_says_and_a_second_reconciliation_is_clean(self):
        d = self._seed()
        wizard = self._reconcile()
        wizard.action_fix_all()
        fixed = wizard.line_ids.filtered("fix")
        self.assertEqual(set(fixed.mapped("state")), {"fixed"}, fixed.mapped("result"))
        self.assertEqual(d["still_open"].state, "done", "synced now: validated")
        self.assertEqual(d["still_open"].carrier_tracking_ref, "OPEN1")
        self.assertEqual(d["without_tracking"].state, "done", "never validated again")
        self.assertEqual(d["without_tracking"].carrier_tracking_ref, "HAND1")
        self.assertEqual(d["without_tracking"].shipstation_shipping_cost, 6.0)
        self.assertEqual(d["without_tracking"].shipstation_shipment_ids.tracking_number, "HAND1")
        self.assertTrue(any("reconciliation" in body for body in self._notes(d["without_tracking"])))
        self.assertEqual(d["tracking"].carrier_tracking_ref, "TRK1,TRK2")
        self.assertEqual(d["tracking"].shipstation_shipping_cost, 7.0)
        self.assertEqual(d["cost"].shipstation_shipping_cost, 9.5)
        self.assertEqual(self._order_id(d["missing"]), 987654, "not exported again: its goods may have shipped")
        again = self._reconcile()
        left = {(d[name], kind) for name, kind in self.EXPECTED if kind != rec.SHIPPED_STILL_OPEN}
        left -= {(d[n], k) for n, k in self.EXPECTED if k in (rec.DONE_WITHOUT_TRACKING, rec.TRACKING_DIFFERS)}
        left -= {(d["tracking"], rec.COST_DIFFERS), (d["cost"], rec.COST_DIFFERS)}
        self.assertEqual(self._found(again), left, "only the kinds without a safe fix are left")

    def test_a_single_line_is_fixed_alone(self):
        d = self._seed()
        wizard = self._reconcile()
        line = wizard.line_ids.filtered(lambda ln: ln.picking_id == d["cost"])
        line.action_fix()
        self.assertEqual(line.state, "fixed")
        self.assertEqual(d["cost"].shipstation_shipping_cost, 9.5)
        self.assertEqual(d["tracking"].carrier_tracking_ref, "TRK1", "the other lines are left alone")
        self.assertEqual(d["still_open"].state, "assigned")

    def test_only_shipstation_users_reconcile(self):
        clerk = new_test_user(self.env, "recon_clerk", groups="stock.group_stock_user")
        with self.assertRaises(AccessError):
            self._reconcile(user=clerk)
        user = new_test_user(
            self.env, "recon_user", groups="stock.group_stock_user,shipstation_connector.group_shipstation_user"
        )
        picking, _order = self._make_delivery([(self.tee, 1)])
        self._validate_by_hand(picking)
        self._ship(picking, "USER1")
        wizard = self._reconcile(user=user)
        self.assertEqual(self._found(wizard), {(picking, rec.DONE_WITHOUT_TRACKING)})
        wizard.action_fix_all()
        self.assertEqual(picking.carrier_tracking_ref, "USER1")

    def test_other_companies_deliveries_are_not_compared(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        account = self._make_account("Other ShipStation", company=other)
        picking, _order = self._make_delivery([(self.tee, 1)])
        picking.shipstation_account_id = account  # a delivery of this company, linked to the other's account
        self.assertEqual(self._reconcile(account=account).considered_count, 0)

    # -- calls -----------------------------------------------------------------------------

    def test_calls_do_not_grow_with_the_deliveries(self):
        for _i in range(5):
            self._make_delivery([(self.mug, 1)])
        self.sandbox.reset_log()
        few = self._reconcile()
        few_calls = self.sandbox.count()
        self.assertEqual(few.api_calls, few_calls)
        for _i in range(35):
            self._make_delivery([(self.mug, 1)])
        self.sandbox.reset_log()
        many = self._reconcile()
        self.assertEqual(many.considered_count, 40)
        self.assertFalse(many.line_ids)
        self.assertEqual(self.sandbox.count(), few_calls, "40 deliveries cost what 5 cost")


@tagged("post_install", "-at_install")
class TestReconcileV2(TestReconcile):
    """The same reconciliation on an API v2 account."""

    API_VERSION = "v2"
