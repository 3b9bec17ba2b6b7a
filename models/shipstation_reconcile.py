"""Reconciliation of one account: the deliveries where Odoo and ShipStation disagree, and
their safe fixes (fill tracking and cost, sync now, export again).

Reads ShipStation as the sync does, with its readers over a window (the orders modified
and labels created since the oldest delivery considered), so the calls grow with the
pages of that window, never with the deliveries; only the deliveries whose order the
window does not show are read by id, at most :data:`READ_BY_ID` a reconciliation. The
pure :func:`~..lib.shipstation.reconcile.reconcile` decides; nothing is written until a
fix is asked for.
"""

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..const import GROUP_USER, IN_TRANSIT_STATES, PARAM_RECONCILE_GRACE_HOURS
from ..lib.shipstation import fetch, fetch_v2
from ..lib.shipstation import reconcile as rec
from ..lib.shipstation.errors import ShipStationError
from ..lib.shipstation.records_v2 import settle_statuses
from ..lib.shipstation.values import int_or_none
from ..texts import render
from ..utils import get_param

_logger = logging.getLogger(__name__)

#: Deliveries whose order the window does not show that one reconciliation reads by id
#: (as many as a sync reads again); the others are reported as not seen.
READ_BY_ID = fetch.RETRY_FAILED
DELIVERY_FIELDS = [
    "name",
    "state",
    "origin",
    "create_date",
    "date_done",
    "carrier_tracking_ref",
    "shipstation_order_id",
    "shipstation_shipping_cost",
]


class _ExportFailed(Exception):
    """The account could not export at all (its savepoint undoes the cleared links)."""


def _aware(value):
    return value.replace(tzinfo=timezone.utc) if value else None


class ShipStationReconcile(models.AbstractModel):
    _name = "shipstation.reconcile"
    _description = "ShipStation Reconciliation"

    # ------------------------------------------------------------
    # READING
    # ------------------------------------------------------------

    @api.model
    def _considered(self, account, days):
        """The account's exported deliveries a reconciliation looks at: the open ones, and
        those done or cancelled in the last ``days`` days."""
        since = fields.Datetime.subtract(fields.Datetime.now(), days=days)
        return self.env["stock.picking"].search(
            [
                ("shipstation_account_id", "=", account.id),
                ("company_id", "=", account.company_id.id),
                ("is_exported_to_shipstation", "=", True),
                ("picking_type_code", "=", "outgoing"),
                "|",
                "|",
                ("state", "not in", IN_TRANSIT_STATES),
                "&",
                ("state", "=", "done"),
                ("date_done", ">=", since),
                "&",
                ("state", "=", "cancel"),
                ("write_date", ">=", since),
            ],
            order="id",
        )

    @api.model
    def _deliveries(self, account, pickings):
        """Plain :class:`~..lib.shipstation.reconcile.Delivery` of ``pickings`` (a fixed number
        of queries for any number of them).

        Odoo's cost is the delivery's cost field, as the sync writes it; when the account's
        currency is not the company's, its recorded parcels' cost (in the account's currency,
        as ShipStation says costs)."""
        parcels, costs = self.env["shipstation.shipment"]._shipstation_recorded(pickings)
        returned = {
            row["return_id"][0]
            for row in self.env["stock.picking"].search_read(
                [("return_id", "in", pickings.ids), ("state", "!=", "cancel")], ["return_id"]
            )
        }
        states = {"done": rec.DONE, "cancel": rec.CANCELLED}
        same_currency = account.currency_id == account.company_id.currency_id
        deliveries = []
        for row in pickings.read(DELIVERY_FIELDS):
            held = tuple(parcels[row["id"]])
            deliveries.append(
                rec.Delivery(
                    id=row["id"],
                    name=row["name"],
                    state=states.get(row["state"], rec.OPEN),
                    order_id=int_or_none(row["shipstation_order_id"]),
                    origin=row["origin"] or "",
                    tracking_ref=row["carrier_tracking_ref"] or "",
                    cost=row["shipstation_shipping_cost"] or 0.0
                    if same_currency or not held
                    else round(costs[row["id"]], 2),
                    parcels=held,
                    date_done=_aware(row["date_done"]),
                    returned=row["id"] in returned,
                )
            )
        return deliveries

    @api.model
    def _read_shipstation(self, account, pickings, deliveries):
        """What ShipStation says of these deliveries' orders.

        :return: ``(RemoteFacts, keys of the deliveries read by id, API calls)``
        :raises UserError: when ShipStation cannot be read
        """
        account_sudo = account.sudo()
        created = {p.id: _aware(p.create_date) for p in pickings}
        targets = {
            d.id: fetch.Target(
                order_id=d.order_id, order_number=d.name, create_date=created[d.id], known=True, origin=d.origin
            )
            for d in deliveries
        }
        # Orders cannot be older than their deliveries: the window holds them all.
        start = min(created.values())
        client = account_sudo._get_shipstation_client()
        try:
            with client:
                facts = self._fetch_window(account_sudo, client, list(targets.values()), start)
                absent = [targets[d.id] for d in rec.unseen(deliveries, facts)][:READ_BY_ID]
                if absent:
                    rec.merge_facts(facts, self._fetch_by_id(account_sudo, client, absent))
        except ShipStationError as error:
            raise UserError(
                _("ShipStation could not be read for %(name)s: %(error)s", name=account_sudo.name, error=error.message)
            ) from error
        order_ids = {d.order_id for d in deliveries if d.order_id} | set(facts.orders)
        self.env["shipstation.shipment"]._shipstation_add_consumption(account_sudo, facts, order_ids, mark_voided=False)
        if account_sudo.api_version == "v2":
            settle_statuses(facts)
        return facts, {t.key for t in absent}, client.call_count

    @api.model
    def _fetch_window(self, account, client, targets, start):
        """The sync's reader over ``[start, now]``: every target counts as read before, so
        none is read by id here."""
        if account.api_version == "v2":
            return fetch_v2.fetch_changes_v2(client, targets, start, currency=account.currency_id.name)
        return fetch.fetch_changes(client, targets, start)

    @api.model
    def _fetch_by_id(self, account, client, targets):
        if account.api_version == "v2":
            return fetch_v2.fetch_orders_v2(client, targets, currency=account.currency_id.name)
        return fetch.fetch_orders(client, targets)

    @api.model
    def _grace(self):
        return timedelta(hours=get_param(self.env, PARAM_RECONCILE_GRACE_HOURS))

    @api.model
    def _reconcile(self, account, days):
        """Reconcile the deliveries of ``account`` (open, or done or cancelled within ``days``).

        :return: dict with ``findings`` (list of Finding), ``considered`` (deliveries),
            ``api_calls``, and the ``facts`` and ``deliveries`` a fill needs
        """
        pickings = self._considered(account, days)
        result = {"findings": [], "considered": pickings, "api_calls": 0, "facts": None, "deliveries": []}
        if not pickings:
            return result
        deliveries = self._deliveries(account, pickings)
        facts, looked_up, calls = self._read_shipstation(account, pickings, deliveries)
        now = datetime.now(timezone.utc)
        findings = rec.reconcile(deliveries, facts, now, self._grace(), looked_up)
        result.update(findings=findings, api_calls=calls, facts=facts, deliveries=deliveries)
        return result

    # ------------------------------------------------------------
    # FIXES
    # ------------------------------------------------------------

    @api.model
    def _check_rights(self):
        if not self.env.user.has_group(GROUP_USER):
            raise AccessError(_("Only ShipStation users can reconcile deliveries with ShipStation."))

    @api.model
    def _fix_fill(self, account, pickings, days):
        """Fill tracking, cost and parcels of done deliveries from ShipStation, as the sync
        writes them, without validating anything again. ShipStation is read again (the same
        calls as a reconciliation), so what is written is what it says now.

        :return: ``{picking id: (fixed, message)}``
        """
        self._check_rights()
        result = self._reconcile(account, days)
        by_id = {d.id: d for d in result["deliveries"]}
        to_fill = {f.picking_id for f in result["findings"] if f.fix == rec.FIX_FILL}
        outcomes = {}
        for picking in pickings:
            if picking.id not in to_fill:
                outcomes[picking.id] = (True, _("ShipStation and Odoo agree now: nothing to fill."))
                continue
            decision = rec.fill_decision(by_id[picking.id], result["facts"], result["deliveries"])
            try:
                with self.env.cr.savepoint():
                    outcomes[picking.id] = (True, self._fill(account, picking, decision))
            except Exception as error:  # pylint: disable=broad-except
                _logger.exception("Filling %s from ShipStation failed", picking.name)
                outcomes[picking.id] = (False, str(error))
        return outcomes

    @api.model
    def _fill(self, account, picking, decision):
        account_sudo = account.sudo().with_context(lang=account._company_lang())
        picking = picking.with_context(lang=account._company_lang())
        recorded = picking.shipstation_order_lines
        decision = replace(
            decision,
            order_skus=frozenset((picking.shipstation_order_skus or "").split("\n")) - {""},
            order_lines=tuple(tuple(line) for line in json.loads(recorded)) if recorded else None,
            notes=[],
        )
        new_parcels = picking._shipstation_write_decision(account_sudo, decision, fields.Datetime.now())
        Shipment = self.env["shipstation.shipment"]
        Shipment._shipstation_create_parcels(new_parcels)
        Shipment._shipstation_refresh_parcels(picking, decision)
        message = _(
            "Tracking and cost filled in from ShipStation by a reconciliation (the delivery stays done): "
            "tracking %(tracking)s, cost %(cost)s.",
            tracking=decision.tracking_ref or "-",
            cost="%.2f" % (picking.shipstation_shipping_cost or 0.0),
        )
        notes = [message] + [render(note, picking.env.lang) for note in decision.notes]
        picking._message_log(body=Markup("<br/>").join(escape(note) for note in notes))
        return message

    @api.model
    def _fix_sync(self, account, pickings):
        """Sync these open deliveries now (their orders read by id), as a manual run.

        :return: ``{picking id: (fixed, message)}``
        """
        self._check_rights()
        report = self.env["shipstation.sync"]._sync_account_guarded(account, False, None, "manual", pickings)
        if report.error:
            return {p.id: (False, render(report.error, self.env.lang)) for p in pickings}
        lines = {picking_id: (action, message) for picking_id, action, message in report.lines}
        outcomes = {}
        for picking in pickings:
            action, message = lines.get(picking.id, ("updated", None))
            text = render(message, self.env.lang) if message else picking.shipstation_sync_message
            outcomes[picking.id] = (
                action in ("validated", "cancelled"),
                text or _("Synced: %(state)s.", state=picking.state),
            )
        return outcomes

    @api.model
    def _fix_export(self, account, pickings):
        """Export again open deliveries whose order ShipStation does not have: the exported
        flag and the order link are cleared, then the export sends them as any new delivery.

        :return: ``{picking id: (fixed, message)}``
        """
        self._check_rights()
        pickings = pickings.filtered(lambda p: p.state not in ("draft", "done", "cancel"))
        try:
            with self.env.cr.savepoint():
                self._export_again(account, pickings)
        except _ExportFailed as failure:
            # Nothing reached ShipStation: the deliveries keep their flag and order link.
            return {p.id: (False, failure.args[0]) for p in pickings}
        outcomes = {}
        for picking in pickings:
            exported = picking.is_exported_to_shipstation
            outcomes[picking.id] = (
                exported,
                _("Exported again as order %s.", picking.shipstation_order_id)
                if exported
                else picking.shipstation_sync_message or _("Not exported."),
            )
        return outcomes

    @api.model
    def _export_again(self, account, pickings):
        for picking in pickings:
            picking._message_log(
                body=escape(
                    _(
                        "ShipStation has no order %(order)s for this delivery: exported again by a reconciliation.",
                        order=picking.shipstation_order_id or picking.name,
                    )
                )
            )
        pickings.write(
            {
                "is_exported_to_shipstation": False,
                "shipstation_order_id": False,
                "shipstation_order_status": False,
                "shipstation_survivor_order_id": False,
                "shipstation_missing_count": 0,
                "shipstation_last_sync": False,
            }
        )
        report = self.env["shipstation.export"]._export(account, pickings)
        if report.error:
            raise _ExportFailed(render(report.error, self.env.lang))
        return report
