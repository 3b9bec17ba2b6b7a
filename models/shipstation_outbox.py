"""Send the deliveries' pending ShipStation updates (the outbox), for the export run and
for a cancellation made in Odoo.

What is sent is built from the delivery as it is now (the cancel of a cancelled
delivery excepted: its order as it was before the cancel is kept with the wish). Each
call's outcome is written, and committed by scheduled runs, before the next call: a
kill re-sends at most the call that was on its way.
"""

import json
import logging
from datetime import timedelta, timezone

from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..const import GROUP_MANAGER
from ..lib.shipstation import outbox
from ..lib.shipstation.encoding import encode_value
from ..lib.shipstation.errors import TRANSIENT_ERRORS, BadRequestError, ShipStationError
from ..lib.shipstation.messages import message as make_message
from ..lib.shipstation.outbox_calls import live_labels
from ..lib.shipstation.values import int_or_none
from ..texts import render
from ..texts_outbox import changes_text

_logger = logging.getLogger(__name__)

#: A cancellation in Odoo is sent at once for at most this many deliveries of one account
#: (one v1 call; one v2 call each); beyond, the export run sends it.
CANCEL_NOW_MAX = {"v1": outbox.UPSERT_BATCH, "v2": 10}


class ShipStationOutbox(models.AbstractModel):
    _name = "shipstation.outbox"
    _inherit = "shipstation.run.service"
    _description = "ShipStation Updates After the Export"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _send_pending(self, account_sudo, report, commit=False):
        """Send every pending update of the account (an export run's second part).

        :param report: the run's :class:`~..lib.shipstation.report.ExportReport`
        """
        self.env["stock.picking"]._shipstation_queue_holds(account_sudo)
        domain = [("shipstation_account_id", "=", account_sudo.id), ("shipstation_pending_update", "!=", False)]
        pickings = self.env["stock.picking"].sudo().search(domain, order="id")
        if not pickings:
            return
        if commit:
            self._commit()  # the holds just queued are kept before anything is sent
        try:
            client = account_sudo._get_shipstation_client()
        except UserError:
            report.updates_pending += len(pickings)
            return
        with client:
            self._send(account_sudo, client, pickings, report, commit=commit)
        report.api_calls += client.call_count

    @api.model
    def _cancel_now(self, pickings):
        """Record the cancel of these exported deliveries and try to send it at once.

        :return: ``{picking id: tracking}`` of those ShipStation shipped already (their
            cancel is dropped: the caller refuses to cancel them)
        """
        for picking in pickings.sudo():
            account = picking.shipstation_account_id
            payload = None
            if account.api_version != "v2":
                try:
                    payload = self._upsert_payload(account, picking, outbox.CANCEL)
                except Exception:  # pylint: disable=broad-except
                    # Never a reason not to cancel: the run sends the order as it is then.
                    _logger.exception("ShipStation: the order of %s could not be kept for its cancel", picking.name)
            picking._shipstation_wish(outbox.CANCEL, payload=payload)
        shipped = {}
        for account in pickings.sudo().shipstation_account_id:
            group = pickings.sudo().filtered(lambda p, a=account: p.shipstation_account_id == a)
            if len(group) > CANCEL_NOW_MAX.get(account.api_version, 1):
                continue  # the export run sends it
            try:
                client = account._get_shipstation_client(max_retries=0, timeout=(5, 20))
            except UserError:
                continue
            with client:
                shipped.update(self._send(account, client, group, interactive=True))
        return shipped

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    @api.model
    def _send(self, account, client, pickings, report=None, commit=False, interactive=False):
        """Send the pending wishes of ``pickings`` (all of ``account``).

        :return: ``{picking id: tracking}`` of cancels refused because ShipStation shipped
        """
        wishes = []
        for picking in pickings:
            kind = picking.shipstation_pending_update
            if kind in (outbox.HOLD, outbox.RELEASE) and picking.state not in ("done", "cancel"):
                # Readiness may have turned back since the wish: what holds now.
                ready, enabled = picking.state == "assigned", account.hold_unready_orders
                kind = outbox.hold_wish(ready, picking.shipstation_on_hold, enabled)
            if not kind or (
                kind in (outbox.UPDATE, outbox.HOLD, outbox.RELEASE) and picking.state in ("done", "cancel")
            ):
                self._clear(picking, picking.shipstation_pending_seq)  # nothing left to send
                continue
            wishes.append(outbox.Wish(picking.id, kind, picking.shipstation_pending_seq, picking.shipstation_order_id))
        calls, unsupported = outbox.plan(wishes, account.api_version)
        shipped = {}
        for wish in unsupported:
            self._settle(account, client, wish, "unsupported", "", report, interactive, shipped)
        for position, call in enumerate(calls):
            try:
                results = self._call(account, client, call)
            except TRANSIENT_ERRORS as error:
                _logger.warning("ShipStation updates of %s wait for the next run: %s", account.name, error)
                if report is not None:
                    report.updates_pending += sum(len(c.wishes) for c in calls[position:])
                    report.transient, report.retry_after = True, error.retry_after
                break
            for wish in call.wishes:
                outcome, detail = results[wish.picking_id]
                self._settle(account, client, wish, outcome, detail, report, interactive, shipped)
            if commit:
                self._commit()
        return shipped

    @api.model
    def _call(self, account, client, call):
        """Make one call; :return: ``{picking id: (outcome, detail)}``.

        :raises: a transient ShipStation error, for the next run to try again
        """
        if call.endpoint == "createorders":
            return self._call_upsert(account, client, call.wishes)
        wish = call.wishes[0]
        picking = self.env["stock.picking"].sudo().browse(wish.picking_id)
        try:
            if call.endpoint == "cancel":
                client.cancel_shipment(wish.order_id)
            elif call.endpoint == "markasshipped":
                mapping = account.carrier_mapping_ids.filtered(lambda m: m.carrier_id == picking.carrier_id)[:1]
                client.mark_as_shipped(
                    int_or_none(wish.order_id),
                    mapping.carrier_code or "other",
                    ship_date=picking.date_done and picking.date_done.replace(tzinfo=timezone.utc),
                    tracking_number=picking.carrier_tracking_ref or None,
                    notify_customer=account.notify_on_odoo_ship,
                    notify_sales_channel=account.notify_on_odoo_ship,
                )
            elif call.endpoint == "holduntil":
                client.hold_until(int_or_none(wish.order_id), self._hold_date())
            else:
                client.restore_from_hold(int_or_none(wish.order_id))
        except TRANSIENT_ERRORS:
            raise
        except BadRequestError as error:
            outcome = "closed" if outbox.is_closed_refusal(error.message) else "refused"
            return {wish.picking_id: (outcome, error.message)}
        except ShipStationError as error:
            return {wish.picking_id: ("refused", error.message)}
        return {wish.picking_id: ("sent", "")}

    @api.model
    def _call_upsert(self, account, client, wishes):
        results, sent = {}, []
        for wish in wishes:
            payload, problem = self._payload_for(account, client, wish)
            if problem is not None:
                results[wish.picking_id] = ("refused", problem)
            else:
                sent.append((wish, payload))
        if not sent:
            return results
        try:
            answers = client.create_orders([payload for _wish, payload in sent])
        except TRANSIENT_ERRORS:
            raise
        except ShipStationError as error:
            if isinstance(error, BadRequestError) and len(sent) > 1:
                # One order ShipStation finds invalid refuses the whole body: one by one.
                for wish, _payload in sent:
                    results.update(self._call_upsert(account, client, [wish]))
                return results
            return dict(results, **{wish.picking_id: ("refused", error.message) for wish, _payload in sent})
        by_key = {answer.get("orderKey"): answer for answer in answers}
        for wish, payload in sent:
            answer = by_key.get(payload["orderKey"]) or {}
            if answer.get("success"):
                results[wish.picking_id] = ("sent", payload["orderStatus"])
            else:
                reason = answer.get("errorMessage") or _("ShipStation returned no result for this order.")
                results[wish.picking_id] = ("closed" if outbox.is_closed_refusal(reason) else "refused", reason)
        return results

    @api.model
    def _payload_for(self, account, client, wish):
        """The order to re-post for ``wish``: ``(payload, None)``, or ``(None, what is wrong)``."""
        picking = self.env["stock.picking"].sudo().browse(wish.picking_id)
        if not picking._shipstation_order_key():
            # Exported before the key was kept, or linked to an order made elsewhere:
            # read it once (an upsert under another key would make a second order).
            problem = self._learn_order_key(client, picking, wish.order_id)
            if problem:
                return None, problem
        if wish.kind == outbox.CANCEL and picking.shipstation_pending_payload:
            payload = json.loads(picking.shipstation_pending_payload)
            return dict(payload, orderKey=picking._shipstation_order_key()), None
        problem = self.env["shipstation.export"]._check(picking)
        if problem is not None:
            return None, render(problem, self.env.lang)
        return self._upsert_payload(account, picking, wish.kind), None

    @api.model
    def _learn_order_key(self, client, picking, order_id):
        """Read and keep the key of the delivery's order; :return: what went wrong, or None."""
        try:
            order = client.get_order(int_or_none(order_id))
        except TRANSIENT_ERRORS:
            raise
        except ShipStationError as error:
            return error.message
        if not order.get("orderKey"):
            return _("ShipStation's order %s has no order key.", order_id)
        picking.shipstation_order_key = order["orderKey"]
        return None

    @api.model
    def _upsert_payload(self, account, picking, kind):
        """The whole order as ShipStation must hold it now (v1 upserts clear what is left out)."""
        export = self.env["shipstation.export"]
        payload = export._prepare_order(account, picking)
        held = kind != outbox.CANCEL and account.hold_unready_orders and picking.state != "assigned"
        last = picking.shipstation_order_status if not picking.shipstation_on_hold else None
        # The key names the order to update (v1's Create/Update Order); orderId is read-only.
        payload.update(
            orderNumber=picking._shipstation_order_root().name,
            orderKey=picking._shipstation_order_key(),
            orderStatus=outbox.upsert_status(kind, held, last),
        )
        if payload["orderStatus"] == "on_hold":
            payload["holdUntilDate"] = self._hold_date()
        # Kept as JSON with the cancel: dates as ShipStation reads them.
        return json.loads(json.dumps(encode_value(payload)))

    @api.model
    def _hold_date(self):
        return fields.Date.context_today(self) + timedelta(days=outbox.HOLD_DAYS)

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------

    @api.model
    def _settle(self, account, client, wish, outcome, detail, report, interactive, shipped):  # noqa: PLR0913
        """Write what became of one wish; clear it unless a newer one came meanwhile."""
        picking = self.env["stock.picking"].sudo().browse(wish.picking_id)
        changes = changes_text(picking.shipstation_pending_changes, self.env.lang)
        message = None
        if outcome == "closed" and wish.kind == outbox.CANCEL:
            labels = self._labels_of(client, wish.order_id)
            if labels and interactive:
                shipped[picking.id] = ", ".join(tracking for tracking, _cost in labels)
            elif labels:
                self._late_label(picking, labels, report)
            else:
                outcome = "sent"  # already cancelled in ShipStation
        if outcome == "sent":
            self._apply_sent(account, picking, wish.kind, detail)
            message = outbox.outcome_message(self._kind_label(wish.kind), "sent")
            if report is not None:
                report.updates_sent += 1
                report.add_line(picking.id, "updated", message)
        elif picking.id not in shipped and not (outcome == "closed" and wish.kind == outbox.CANCEL):
            status = picking.shipstation_order_status or ""
            message = outbox.outcome_message(self._kind_label(wish.kind), outcome, changes, detail, status)
            if report is not None:
                report.updates_failed += 1
                report.add_line(picking.id, "failed", message)
        if message is not None:
            picking._message_log(body=escape(render(message, self.env.lang)))
        self._clear(picking, wish.seq)

    @api.model
    def _kind_label(self, kind):
        """The words for an update ``kind``, in the run's language."""
        field = self.env["stock.picking"]._fields["shipstation_pending_update"]
        return dict(field._description_selection(self.env)).get(kind, kind)

    @api.model
    def _clear(self, picking, seq):
        picking.invalidate_recordset(["shipstation_pending_seq"])
        if outbox.settled(seq, picking.shipstation_pending_seq):
            picking.write(
                {
                    "shipstation_pending_update": False,
                    "shipstation_pending_changes": False,
                    "shipstation_pending_payload": False,
                }
            )

    @api.model
    def _apply_sent(self, account, picking, kind, status):
        if kind == outbox.CANCEL:
            picking.shipstation_order_status = "cancelled"
        elif kind == outbox.SHIP:
            picking.shipstation_order_status = "shipped"
        elif kind == outbox.HOLD:
            picking.write({"shipstation_on_hold": True, "shipstation_order_status": "on_hold"})
        elif kind == outbox.RELEASE:
            picking.write({"shipstation_on_hold": False, "shipstation_order_status": "awaiting_shipment"})
        elif status:
            held = status == "on_hold" and account.hold_unready_orders and picking.state != "assigned"
            picking.write({"shipstation_on_hold": held, "shipstation_order_status": status})

    @api.model
    def _labels_of(self, client, order_id):
        try:
            return live_labels(client, order_id)
        except ShipStationError as error:
            _logger.warning("ShipStation: labels of order %s unreadable: %s", order_id, error)
            return [(_("unknown"), None)]

    @api.model
    def _late_label(self, picking, labels, report):
        """ShipStation shipped a delivery cancelled in Odoo: a manager is told, with the
        tracking and cost, and the run counts it."""
        tracking = ", ".join(t for t, _cost in labels)
        cost = sum(float(c or 0.0) for _t, c in labels)
        message = make_message(outbox.LATE_LABEL, tracking=tracking, cost="%.2f" % cost)
        text = _(
            "%(name)s was cancelled in Odoo, but ShipStation shipped it: tracking %(tracking)s, cost %(cost).2f. "
            "Check whether the goods left, and correct the stock or void the label.",
            name=picking.name,
            tracking=tracking,
            cost=cost,
        )
        managers = self.env.ref(GROUP_MANAGER).users.filtered(lambda u: picking.company_id in u.company_ids)
        picking.activity_schedule(
            "mail.mail_activity_data_warning",
            summary=_("Shipped by ShipStation after the cancel"),
            note=text,
            user_id=(managers[:1] or self.env.user).id,
        )
        picking._message_log(body=escape(text))
        if report is not None:
            report.late_labels += 1
            report.add_line(picking.id, "failed", message)
