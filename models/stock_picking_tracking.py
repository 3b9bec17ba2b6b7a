import logging

from markupsafe import Markup

from odoo import _, api, fields, models

from ..lib.shipstation.tracking import DELIVERED, EXCEPTION, IN_TRANSIT, UNKNOWN, delivery_summary
from .shipstation_shipment_tracking import DELIVERY_STATUSES

_logger = logging.getLogger(__name__)

ACTIVITY_TYPE_XMLID = "shipstation_connector.mail_activity_type_shipstation_exception"
DELIVERED_TEMPLATE_XMLID = "shipstation_connector.mail_template_shipstation_delivered"
#: OCA delivery_state's carrier state for each status (``warehouse_delivered``: back at the sender).
OCA_DELIVERY_STATES = {
    UNKNOWN: "shipping_recorded_in_carrier",
    IN_TRANSIT: "in_transit",
    EXCEPTION: "incident",
    DELIVERED: "customer_delivered",
}


class StockPicking(models.Model):
    """The carrier's delivery status of a delivery, summed up from its live parcels."""

    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    shipstation_delivery_status = fields.Selection(
        DELIVERY_STATUSES,
        string="Carrier Delivery Status",
        compute="_compute_shipstation_delivery_status",
        store=True,
        index=True,
        help="Delivered when every live ShipStation parcel is, Exception as soon as one has one "
        "(failed attempt, return, loss, damage, customs hold). Read from ShipStation API v2.",
    )
    shipstation_delivered_date = fields.Datetime(
        string="Delivered to Customer On", compute="_compute_shipstation_delivery_status", store=True
    )
    shipstation_delivery_returned = fields.Boolean(
        string="Returned by the Carrier",
        compute="_compute_shipstation_delivery_status",
        store=True,
        help="A parcel of this delivery is on its way back to the sender.",
    )
    shipstation_carrier_says = fields.Char(
        string="Carrier Says",
        compute="_compute_shipstation_carrier_says",
        help="The carrier's own words about the parcel that decides the delivery's status.",
    )
    shipstation_estimated_delivery = fields.Datetime(
        string="Estimated Delivery", compute="_compute_shipstation_carrier_says"
    )

    def _shipstation_tracked_parcels(self):
        """The live labels of the delivery: the parcels a carrier tracks (a fulfillment has no label)."""
        return self.shipstation_shipment_ids.filtered(lambda p: p.kind == "shipment" and not p.voided)

    @api.depends(
        "shipstation_shipment_ids.delivery_status",
        "shipstation_shipment_ids.delivered_date",
        "shipstation_shipment_ids.delivery_returned",
        "shipstation_shipment_ids.voided",
        "shipstation_shipment_ids.kind",
    )
    def _compute_shipstation_delivery_status(self):
        for picking in self:
            summary = delivery_summary(
                (p.delivery_status or None, p.delivered_date or None, p.delivery_returned)
                for p in picking._shipstation_tracked_parcels()
            )
            picking.shipstation_delivery_status = summary.status or False
            picking.shipstation_delivered_date = summary.delivered_at or False
            picking.shipstation_delivery_returned = summary.returned

    @api.depends("shipstation_delivery_status", "shipstation_shipment_ids.carrier_status_description")
    def _compute_shipstation_carrier_says(self):
        for picking in self:
            parcels = picking._shipstation_tracked_parcels().filtered("delivery_status")
            deciding = parcels.filtered(lambda p, s=picking.shipstation_delivery_status: p.delivery_status == s)
            picking.shipstation_carrier_says = (deciding or parcels)[-1:].carrier_status_description or False
            estimates = [p.estimated_delivery_date for p in parcels if p.delivery_status != DELIVERED]
            picking.shipstation_estimated_delivery = max((d for d in estimates if d), default=False)

    # ------------------------------------------------------------------
    # What a change of status does
    # ------------------------------------------------------------------

    def _shipstation_after_tracking(self, previous):
        """Act on the deliveries whose carrier status changed: an exception gives one activity,
        a delivery marks it done and may e-mail the customer; OCA delivery_state follows.

        :param dict previous: ``{picking id: status before}``
        """
        for picking in self:
            old, new = previous.get(picking.id) or False, picking.shipstation_delivery_status
            if new == EXCEPTION:
                # A delivery still in exception only updates its open activity (one done by
                # hand is not raised again until the delivery leaves the exception).
                picking._shipstation_exception_activity(create=old != new)
            elif old != new and new == DELIVERED:
                picking._shipstation_close_exception_activity()
                picking._shipstation_send_delivered_email()
            picking._shipstation_fill_delivery_state()

    def _shipstation_exception_activity(self, create=True):
        """One open activity on the delivery, for its responsible or the account's manager.

        :param bool create: create it when none is open (else only update an open one)
        """
        self.ensure_one()
        activity_type = self.env.ref(ACTIVITY_TYPE_XMLID)
        words = self.shipstation_carrier_says or _("The carrier reports a problem with a parcel.")
        note = Markup("<p>%s</p>") % words
        existing = self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if existing or not create:
            existing.filtered(lambda a: a.note != note).write({"note": note})
            return
        self.activity_schedule(
            ACTIVITY_TYPE_XMLID,
            summary=_("Carrier exception: %s", ", ".join(self._shipstation_exception_numbers()) or self.name),
            note=note,
            user_id=self._shipstation_exception_user().id,
        )

    def _shipstation_exception_numbers(self):
        """Tracking numbers of the parcels in exception."""
        parcels = self._shipstation_tracked_parcels().filtered(lambda p: p.delivery_status == EXCEPTION)
        return [number for number in parcels.mapped("tracking_number") if number]

    def _shipstation_exception_user(self):
        """The delivery's responsible, else the ShipStation manager who hears about its account."""
        account = self.shipstation_account_id or self.shipstation_shipment_ids.account_id[:1]
        return self.user_id or account._shipstation_manager()

    def _shipstation_close_exception_activity(self):
        activity_type = self.env.ref(ACTIVITY_TYPE_XMLID)
        activities = self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if activities:
            activities.action_feedback(feedback=_("The carrier delivered the parcels."))

    def _shipstation_send_delivered_email(self):
        """The customer's "delivered" e-mail, when the company sends it (off by default).

        With OCA delivery_state installed and its own "delivered" e-mail on for the company,
        that one goes out instead (filling ``delivery_state`` sends it), never both.
        """
        self.ensure_one()
        company = self.company_id
        if not company.shipstation_delivered_email or self.picking_type_code != "outgoing":
            return
        if "delivery_state" in self._fields and company.sudo()["delivery_state_delivered_email_validation"]:
            return
        template = company.shipstation_delivered_template_id or self.env.ref(
            DELIVERED_TEMPLATE_XMLID, raise_if_not_found=False
        )
        if template:
            self.with_context(force_send=True).message_post_with_source(
                template, email_layout_xmlid="mail.mail_notification_light", subtype_xmlid="mail.mt_comment"
            )

    def _shipstation_fill_delivery_state(self):
        """Fill OCA delivery_state's fields when that addon is installed (detected at run time)."""
        if "delivery_state" not in self._fields:
            return
        status = self.shipstation_delivery_status
        state = OCA_DELIVERY_STATES.get(status)
        parcels = self._shipstation_tracked_parcels()
        if status == EXCEPTION and self.shipstation_delivery_returned and all(p.tracking_final for p in parcels):
            state = "warehouse_delivered"
        says = self.shipstation_carrier_says or False
        if not state or (self["delivery_state"], self["tracking_state"]) == (state, says):
            return
        line = "%s %s" % (fields.Datetime.to_string(fields.Datetime.now()), self.shipstation_carrier_says or state)
        history = self["tracking_state_history"]
        self.write(
            {
                "delivery_state": state,
                "tracking_state": says,
                "tracking_state_history": "%s\n%s" % (history, line) if history else line,
                "date_shipped": self["date_shipped"]
                or min((p.ship_date for p in parcels if p.ship_date), default=False),
                "date_delivered": self.shipstation_delivered_date if status == DELIVERED else self["date_delivered"],
            }
        )
