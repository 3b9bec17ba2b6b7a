"""What the sync's planner is told about deliveries: plain snapshots, read in a fixed
number of queries for any number of deliveries (plus a few per distinct kit when
Manufacturing is installed), and what a read remembers on them."""

import json
from collections import defaultdict
from datetime import timezone

from odoo import models

from ..lib.shipstation.fetch import Target
from ..lib.shipstation.messages import Message
from ..lib.shipstation.planner import ITEMS_UNKNOWN
from ..lib.shipstation.values import PickingSnapshot, int_or_none
from .stock_picking import shipstation_sku

SNAPSHOT_FIELDS = [
    "name",
    "create_date",
    "carrier_tracking_ref",
    "shipstation_order_id",
    "shipstation_sync_state",
    "shipstation_sync_code",
    "shipstation_order_status",
    "shipstation_survivor_order_id",
    "shipstation_last_sync",
    "shipstation_order_skus",
    "shipstation_order_lines",
    "shipstation_read_attempt",
    "shipstation_missing_count",
    "origin",
]


def _lines_from_json(text):
    """Recorded order lines: ``((sku, qty), ...)``, or None when none were recorded."""
    return tuple((sku, qty) for sku, qty in json.loads(text)) if text else None


class StockPicking(models.Model):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _shipstation_snapshots(self):
        """Plain snapshots of these deliveries for the planner, and targets for the reader.

        :return: ``(list of PickingSnapshot, list of fetch.Target)``, in ``self`` order
        """
        rows = self.read(SNAPSHOT_FIELDS)
        demand, reserved = self._shipstation_quantities()
        kits = self._shipstation_kit_skus()
        parcels, costs = self.env["shipstation.shipment"]._shipstation_recorded(self)
        snapshots, targets = [], []
        for row in rows:
            order_id = int_or_none(row["shipstation_order_id"])
            survivor_id = int_or_none(row["shipstation_survivor_order_id"])
            message = Message.from_json(row["shipstation_sync_code"])
            snapshots.append(
                PickingSnapshot(
                    id=row["id"],
                    name=row["name"],
                    order_id=order_id,
                    reserved=dict(reserved[row["id"]]),
                    demand=dict(demand[row["id"]]),
                    tracking_ref=row["carrier_tracking_ref"] or "",
                    cost=round(costs[row["id"]], 2),
                    parcels=tuple(parcels[row["id"]]),
                    survivor_id=survivor_id,
                    order_status=row["shipstation_order_status"] or "",
                    sync_state=row["shipstation_sync_state"] or "",
                    sync_message=message,
                    order_skus=frozenset((row["shipstation_order_skus"] or "").split("\n")) - {""},
                    origin=row["origin"] or "",
                    kits=kits.get(row["id"], {}),
                    order_lines=_lines_from_json(row["shipstation_order_lines"]),
                )
            )
            targets.append(
                Target(
                    order_id=order_id,
                    order_number=row["name"],
                    create_date=row["create_date"].replace(tzinfo=timezone.utc),
                    known=bool(row["shipstation_last_sync"]) or row["shipstation_sync_state"] == "failed",
                    survivor_id=survivor_id,
                    # Read again by id like a failure: labels recorded without items, whose order
                    # is to be read for them.
                    failed=row["shipstation_sync_state"] == "failed" or message == ITEMS_UNKNOWN,
                    last_attempt=row["shipstation_read_attempt"] or None,
                    missing_count=row["shipstation_missing_count"],
                    origin=row["origin"] or "",
                )
            )
        return snapshots, targets

    def _shipstation_quantities(self):
        """``(demand, reserved)``: ``{picking id: {sku: qty in product unit}}`` of the open moves."""
        moves = self.env["stock.move"].search_read(
            [("picking_id", "in", self.ids), ("state", "not in", ("done", "cancel"))],
            ["picking_id", "product_id", "product_qty", "product_uom_qty", "quantity"],
        )
        Product = self.env["product.product"].with_context(active_test=False)
        products = Product.browse({m["product_id"][0] for m in moves})
        sku_of = {product.id: shipstation_sku(product) for product in products}
        demand, reserved = defaultdict(lambda: defaultdict(float)), defaultdict(lambda: defaultdict(float))
        for move in moves:
            ratio = move["product_qty"] / move["product_uom_qty"] if move["product_uom_qty"] else 1.0
            sku = sku_of[move["product_id"][0]]
            demand[move["picking_id"][0]][sku] += move["product_qty"]
            reserved[move["picking_id"][0]][sku] += move["quantity"] * ratio
        return demand, reserved

    def _shipstation_kit_skus(self):
        """``{picking id: {kit sku: ((component sku, quantity per kit), ...)}}`` of the kits
        whose components these deliveries hold (none without Manufacturing)."""
        if "bom_line_id" not in self.env["stock.move"]._fields:
            return {}
        moves = self.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        per_line = {}
        for move_id, (kit, per_kit) in moves._shipstation_kits().items():
            move = moves.browse(move_id)
            key = (move.picking_id.id, shipstation_sku(kit))
            per_line.setdefault(key, {})[move.bom_line_id.id] = (shipstation_sku(move.product_id), per_kit)
        kits = {}
        for (picking_id, kit_sku), lines in per_line.items():
            components = {}
            for sku, per_kit in lines.values():
                components[sku] = components.get(sku, 0.0) + per_kit
            kits.setdefault(picking_id, {})[kit_sku] = tuple(sorted(components.items()))
        return kits

    def _shipstation_note_attempts(self, facts, when):
        """Remember the failed deliveries read again, and for how many runs their order is missing
        (one write per distinct count)."""
        groups = defaultdict(list)
        for picking in self.filtered(lambda p: (int_or_none(p.shipstation_order_id) or p.name) in facts.retried):
            missing = int_or_none(picking.shipstation_order_id) in facts.missing
            groups[picking.shipstation_missing_count + 1 if missing else 0].append(picking.id)
        for count, ids in groups.items():
            self.browse(ids).write({"shipstation_read_attempt": when, "shipstation_missing_count": count})
