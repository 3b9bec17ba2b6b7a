"""Carrier tracking of ShipStation parcels (API v2 only): the scheduled safety net and the
``TRACK_EVENT_V2`` webhook calls.

Both end in :meth:`ShipStationTracking._shipstation_apply`: the parcel gets what the carrier
said, the delivery's summary follows (a stored compute), and a delivery whose status
changed acts on it (:meth:`stock.picking._shipstation_after_tracking`). v1 has no tracking
call: v1 accounts are never read here.
"""

import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models

from ..const import PARAM_TRACKING_CALLS_PER_RUN, PARAM_TRACKING_MAX_DAYS
from ..lib.shipstation.errors import BadRequestError, MalformedResponseError, NotFoundError, ShipStationError
from ..lib.shipstation.tracking import label_of_resource_url, parcel_tracking
from ..utils import get_param

_logger = logging.getLogger(__name__)

CRON_XMLID = "shipstation_connector.ir_cron_track_deliveries"
TRACK_EVENT = "TRACK_EVENT_V2"


class ShipStationTracking(models.AbstractModel):
    _name = "shipstation.tracking"
    _description = "ShipStation Carrier Tracking"

    # ------------------------------------------------------------------
    # The scheduled safety net
    # ------------------------------------------------------------------

    @api.model
    def _cron_track_deliveries(self):
        """Scheduled action: read the tracking of the live parcels of every active v2 account
        whose delivery is not known delivered, oldest read first, within the call budget.

        One failing account never stops the others; one failing parcel never stops its account
        (it waits for the next run, as the oldest read).
        """
        for account in self.env["shipstation.account"].search([("api_version", "=", "v2")]):
            try:
                self.with_company(account.company_id)._shipstation_track_account(account)
            except Exception:  # one account never stops the others
                _logger.exception("ShipStation tracking of account %s failed", account.name)

    @api.model
    def _shipstation_due_parcels(self, account, limit):
        """The parcels of ``account`` to read now: live labels, not final, not too old, the
        least recently read first (never read ones before all)."""
        since = fields.Datetime.now() - timedelta(days=max(0, get_param(self.env, PARAM_TRACKING_MAX_DAYS)))
        return (
            self.env["shipstation.shipment"]
            .sudo()
            .search(
                [
                    ("account_id", "=", account.id),
                    ("kind", "=", "shipment"),
                    ("voided", "=", False),
                    ("tracking_final", "=", False),
                    ("picking_id.state", "!=", "cancel"),
                    "|",
                    ("shipstation_create_date", ">=", since),
                    "&",
                    ("shipstation_create_date", "=", False),
                    ("create_date", ">=", since),
                ],
                order="tracking_checked_at ASC NULLS FIRST, id",
                limit=limit,
            )
        )

    @api.model
    def _shipstation_track_account(self, account):
        """Read the due parcels of one account. :return: the number of calls made"""
        budget = max(0, get_param(self.env, PARAM_TRACKING_CALLS_PER_RUN))
        parcels = self._shipstation_due_parcels(account, budget)
        if not parcels:
            return 0
        calls = 0
        service = self.env["shipstation.run.service"]
        with account._get_shipstation_client(max_retries=1) as client:
            for parcel in parcels:
                calls += 1
                try:
                    answer = client.get_label_tracking("se-%d" % parcel.shipstation_id)
                except (NotFoundError, BadRequestError, MalformedResponseError) as error:
                    # This label's own trouble (unknown, not trackable, unreadable): it waits at
                    # the back of the queue, the others are read.
                    _logger.info("ShipStation tracking of label se-%d: %s", parcel.shipstation_id, error)
                    parcel.tracking_checked_at = fields.Datetime.now()
                    continue
                except ShipStationError as error:
                    # Rate limit, refused key, ShipStation down: the rest waits for the next run.
                    _logger.warning("ShipStation tracking of account %s stopped: %s", account.name, error)
                    break
                self._shipstation_apply_safely(parcel, answer)
                service._commit()
        return calls

    # ------------------------------------------------------------------
    # Applying what the carrier said
    # ------------------------------------------------------------------

    @api.model
    def _shipstation_apply_safely(self, parcel, answer):
        """:meth:`_shipstation_apply` in a savepoint; an unreadable answer marks the parcel read.

        :return: whether it was applied
        """
        try:
            with self.env.cr.savepoint():
                self._shipstation_apply(parcel, answer)
            return True
        except (ValueError, TypeError) as error:
            _logger.warning("ShipStation tracking of label se-%d unreadable: %s", parcel.shipstation_id, error)
        except Exception:
            _logger.exception("ShipStation tracking of label se-%d could not be applied", parcel.shipstation_id)
        parcel.tracking_checked_at = fields.Datetime.now()
        return False

    @api.model
    def _shipstation_apply(self, parcels, answer):
        """Write a tracking answer on ``parcels`` (one label) and act on the deliveries whose status changed."""
        pickings = parcels.picking_id
        previous = {p.id: p.shipstation_delivery_status for p in pickings}
        for parcel in parcels:
            tracking = parcel_tracking(answer, was_returned=parcel.delivery_returned)
            parcel.write(parcel._tracking_values(tracking))
        pickings.flush_recordset(["shipstation_delivery_status"])
        pickings._shipstation_after_tracking(previous)

    # ------------------------------------------------------------------
    # Webhook calls
    # ------------------------------------------------------------------

    @api.model
    def _shipstation_track_call(self, account, payload):
        """A signed ``TRACK_EVENT_V2`` call of a v2 account: its ``data`` is applied to the parcel
        its ``resource_url`` names (the address is parsed, never called). A call without usable
        data, or about a label Odoo does not hold, asks the scheduled action for a read instead.

        :return: ``"applied"`` or ``"scheduled"``
        """
        # As the scheduled action does (OdooBot), not as the public user of the request.
        tracking = self.with_user(SUPERUSER_ID)
        label_id = label_of_resource_url(payload.get("resource_url"))
        data = payload.get("data")
        parcels = tracking.env["shipstation.shipment"]
        if label_id:
            parcels = parcels.search(
                [
                    ("account_id", "=", account.id),
                    ("kind", "=", "shipment"),
                    ("shipstation_id", "=", int(label_id[3:])),
                ]
            )
        if parcels and isinstance(data, dict):
            number = data.get("tracking_number")
            if not number or number in parcels.mapped("tracking_number"):
                try:
                    with tracking.env.cr.savepoint():
                        tracking._shipstation_apply(parcels, data)
                    return "applied"
                except Exception:  # unreadable: read it from ShipStation instead
                    _logger.warning("ShipStation track call for %s not applied: a read is scheduled", label_id)
        parcels.write({"tracking_checked_at": False, "tracking_final": False})  # read first
        tracking.env.ref(CRON_XMLID)._trigger()
        return "scheduled"
