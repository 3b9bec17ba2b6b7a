from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import ShipStationCommon

BUDGET = "shipstation_connector.tracking_calls_per_run"
MAX_DAYS = "shipstation_connector.tracking_max_days"


@tagged("post_install", "-at_install")
class TestDeliveryTracking(ShipStationCommon):
    """Carrier tracking over API v2: each parcel's status read from the sandbox's labels by the
    scheduled action, the delivery's summary, and what a change does."""

    API_VERSION = "v2"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tracking = cls.env["shipstation.tracking"]
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param(BUDGET, "150")
        cls.params.set_param(MAX_DAYS, "30")
        cls.activity_type = cls.env.ref("shipstation_connector.mail_activity_type_shipstation_exception")

    def _shipped(self, parcels=1, product=None):
        """A delivery shipped in ShipStation in ``parcels`` labels and validated by the sync.

        :return: (picking, [label numbers])
        """
        picking, order = self._make_delivery([(product or self.mug, 1)])
        labels = self.sandbox.store.ship_order(order["orderId"], parcels=[{} for _i in range(parcels)])
        self._sync()
        self.assertEqual(picking.state, "done")
        return picking, [label["shipmentId"] for label in labels]

    def _track(self, *states):
        """Set each ``(label, state)`` in the sandbox, then run the scheduled action."""
        for label, state in states:
            self.sandbox.store.set_tracking(label, state=state)
        self.sandbox.reset_log()
        self.env.ref("shipstation_connector.ir_cron_track_deliveries").method_direct_trigger()
        self.env.invalidate_all()

    def _track_calls(self):
        return sum(1 for r in self.sandbox.requests if r.path.endswith("/track"))

    def _activities(self, picking):
        return picking.activity_ids.filtered(lambda a: a.activity_type_id == self.activity_type)

    def test_each_state_and_the_summary_of_several_parcels(self):
        picking, (first, second) = self._shipped(parcels=2)
        self.assertFalse(picking.shipstation_delivery_status, "empty before any tracking read")
        self._track()
        self.assertEqual(self._track_calls(), 2)
        self.assertEqual(set(picking.shipstation_shipment_ids.mapped("delivery_status")), {"unknown"})
        self.assertEqual(picking.shipstation_delivery_status, "unknown")
        self._track((first, "in_transit"))
        self.assertEqual(picking.shipstation_delivery_status, "in_transit")
        self._track((first, "delivered"), (second, "out_for_delivery"))
        parcel = picking.shipstation_shipment_ids.filtered(lambda p: p.shipstation_id == first)
        self.assertEqual((parcel.delivery_status, parcel.delivery_detail_code), ("delivered", "DELIVERED"))
        self.assertTrue(parcel.delivered_date and parcel.tracking_final)
        self.assertEqual(picking.shipstation_delivery_status, "in_transit", "delivered only when every parcel is")
        self.assertFalse(picking.shipstation_delivered_date)
        self._track((second, "delivered"))
        self.assertEqual(self._track_calls(), 1, "a delivered parcel is not read again")
        self.assertEqual(picking.shipstation_delivery_status, "delivered")
        self.assertEqual(
            picking.shipstation_delivered_date, max(picking.shipstation_shipment_ids.mapped("delivered_date"))
        )
        self._track()
        self.assertEqual(self._track_calls(), 0, "a delivered delivery costs no call")
        found = self.env["stock.picking"].search([("shipstation_delivery_status", "=", "delivered")])
        self.assertIn(picking, found)

    def test_an_exception_gives_one_activity_closed_when_delivered(self):
        picking, (first, second) = self._shipped(parcels=2)
        picking.user_id = new_test_user(self.env, login="ss_responsible", groups="stock.group_stock_user")
        self._track((first, "attempted"))
        self.assertEqual(picking.shipstation_delivery_status, "exception", "an exception as soon as one parcel has one")
        [activity] = self._activities(picking)
        self.assertEqual(activity.user_id, picking.user_id)
        self.assertIn("Delivery attempted", activity.note)
        self.assertEqual(self.account.delivery_exception_count, 1)
        self.assertIn(
            ("shipstation_delivery_status", "=", "exception"), self.account.action_open_delivery_exceptions()["domain"]
        )
        self._track((first, "in_transit"), (second, "customs"))
        self.assertEqual(len(self._activities(picking)), 1, "one activity per delivery")
        self.assertIn("Held by customs", self._activities(picking).note, "updated with the carrier's words")
        self._track((first, "delivered"), (second, "delivered"))
        self.assertEqual(picking.shipstation_delivery_status, "delivered")
        self.assertFalse(self._activities(picking), "marked done when delivered")
        self.assertTrue(
            picking.message_ids.filtered(lambda m: m.mail_activity_type_id == self.activity_type),
            "the done activity stays in the chatter",
        )
        self.account.invalidate_recordset()
        self.assertEqual(self.account.delivery_exception_count, 0)

    def test_without_a_responsible_the_account_managers_get_it(self):
        picking, (label,) = self._shipped()
        picking.user_id = False
        self._track((label, "lost"))
        [activity] = self._activities(picking)
        managers = self.env.ref("shipstation_connector.group_shipstation_manager").users
        self.assertIn(activity.user_id, managers)
        parcel = picking.shipstation_shipment_ids
        self.assertTrue(parcel.tracking_final, "a lost parcel is not read any more")
        self.assertEqual(parcel.carrier_status_description, "Package lost by the carrier.")

    def test_a_returned_parcel_is_an_exception_even_once_back(self):
        picking, (label,) = self._shipped()
        self._track((label, "returned"))
        self.assertEqual(picking.shipstation_delivery_status, "exception")
        self.assertTrue(picking.shipstation_delivery_returned)
        self.assertIn(picking, self.env["stock.picking"].search([("shipstation_delivery_returned", "=", True)]))
        self._track((label, "delivered"))  # delivered back to the sender
        self.assertEqual(picking.shipstation_delivery_status, "exception")
        self.assertFalse(picking.shipstation_delivered_date)
        self.assertTrue(picking.shipstation_shipment_ids.tracking_final)

    def test_the_budget_oldest_read_first_and_what_is_never_read(self):
        self.params.set_param(BUDGET, "2")
        pickings = [self._shipped()[0] for _i in range(3)]
        self._track()
        self.assertEqual(self._track_calls(), 2, "at most the budget per run")
        read = [p for p in pickings if p.shipstation_delivery_status]
        unread = [p for p in pickings if not p.shipstation_delivery_status]
        self.assertEqual((len(read), len(unread)), (2, 1))
        self._track()
        self.assertEqual(self._track_calls(), 2)
        self.assertTrue(unread[0].shipstation_delivery_status, "the parcel never read goes first")
        # Too old, voided or of a v1 account: never read.
        self.params.set_param(BUDGET, "10")
        old, voided = pickings[0].shipstation_shipment_ids, pickings[1].shipstation_shipment_ids
        old.shipstation_create_date = fields.Datetime.now() - timedelta(days=31)
        voided.voided = True
        self._track()
        self.assertEqual(self._track_calls(), 1)
        self.assertEqual(
            [r.path for r in self.sandbox.requests if r.path.endswith("/track")],
            ["/v2/labels/se-%d/track" % pickings[2].shipstation_shipment_ids.shipstation_id],
        )

    def test_a_v1_account_is_never_tracked(self):
        v1 = self._make_account("Legacy", api_version="v1")
        picking, order = self._make_delivery([(self.mug, 1)], account=v1)
        self.sandbox.store.ship_order(order["orderId"])
        self._sync(v1)
        self.assertEqual(picking.state, "done")
        self._track()
        self.assertEqual(self._track_calls(), 0, "API v1 has no tracking call")
        self.assertFalse(picking.shipstation_delivery_status)

    def test_errors_spare_the_other_parcels_and_accounts(self):
        picking, (label,) = self._shipped()
        refused, (stranger,) = self._shipped()
        other, (other_label,) = self._shipped()
        self.sandbox.faults.add(status=404, path="/v2/labels/se-%d/track" % label, count=None)
        self.sandbox.faults.add(status=400, path="/v2/labels/se-%d/track" % stranger, count=None)
        self._track((other_label, "in_transit"))
        self.assertFalse(picking.shipstation_delivery_status)
        self.assertTrue(picking.shipstation_shipment_ids.tracking_checked_at, "tried: it waits at the back")
        self.assertTrue(refused.shipstation_shipment_ids.tracking_checked_at, "a label ShipStation refuses too")
        self.assertFalse(refused.shipstation_delivery_status)
        self.assertEqual(other.shipstation_delivery_status, "in_transit")
        self.sandbox.faults.clear()
        self.sandbox.faults.add(status=500, path="/v2/labels*", count=None)
        self._track((other_label, "delivered"))
        self.assertEqual(other.shipstation_delivery_status, "in_transit", "ShipStation down: nothing changes")

    def test_the_customer_is_mailed_when_delivered_only_if_the_company_says_so(self):
        comment = self.env.ref("mail.mt_comment")

        def mails(picking):
            return picking.message_ids.filtered(lambda m: m.subtype_id == comment and self.partner in m.partner_ids)

        quiet, (quiet_label,) = self._shipped()
        self.assertFalse(self.company.shipstation_delivered_email, "off by default")
        self._track((quiet_label, "delivered"))
        self.assertEqual(quiet.shipstation_delivery_status, "delivered")
        self.assertFalse(mails(quiet))
        self.company.shipstation_delivered_email = True
        told, (told_label,) = self._shipped()
        self._track((told_label, "in_transit"))
        self.assertFalse(mails(told), "no mail before the delivery")
        self._track((told_label, "delivered"))
        [mail] = mails(told)
        self.assertIn("Delivered", mail.subject)
        self.assertIn("has been delivered", mail.body)
        self._track()
        self.assertEqual(len(mails(told)), 1, "once")

    def test_oca_delivery_state_is_filled_when_installed(self):
        picking, (label,) = self._shipped()
        if "delivery_state" not in picking._fields:
            self.skipTest("OCA delivery_state is not installed in this database")
        self._track((label, "in_transit"))
        self.assertEqual(picking.delivery_state, "in_transit")
        self._track((label, "delivered"))
        self.assertEqual(picking.delivery_state, "customer_delivered")
        self.assertEqual(picking.date_delivered, picking.shipstation_delivered_date)
        self.assertTrue(picking.date_shipped)
        self.assertIn("Delivered", picking.tracking_state_history)
        returned, (back,) = self._shipped()
        self._track((back, "returned"))
        self.assertEqual(returned.delivery_state, "incident")
        self._track((back, "delivered"))
        self.assertEqual(returned.delivery_state, "warehouse_delivered")

    def test_the_label_timeline_moves_by_itself(self):
        picking, (label,) = self._shipped()
        self.sandbox.store.set_raw("shipment", label, createDate=self.sandbox.store.clock() - timedelta(hours=13))
        self._track()
        self.assertEqual(picking.shipstation_delivery_status, "in_transit")
        self.assertTrue(picking.shipstation_estimated_delivery)
        self.assertEqual(picking.shipstation_carrier_says, "Departed from facility.")
