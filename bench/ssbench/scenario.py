"""The scenario: one spec per delivery and the changes between syncs (pure Python,
deterministic for a size and a seed)."""

import random
from datetime import timedelta

PRODUCT_COUNT = 20


def sku(index):
    return "BENCH-%02d" % index


def _split_units(lines, parts, rng):
    """Spread the units of ``lines`` over ``parts`` parcels: [[(sku, qty)], ...]."""
    units = [s for s, qty in lines for _ in range(qty)]
    parts = max(1, min(parts, len(units)))
    buckets = [{} for _ in range(parts)]
    for i, unit in enumerate(units):
        bucket = buckets[i % parts]
        bucket[unit] = bucket.get(unit, 0) + 1
    rng.shuffle(buckets)
    return [sorted(b.items()) for b in buckets]


def make_scenario(n, seed, now):
    """One spec per delivery: lines, category, and the ShipStation history to build.

    Timestamps: orders created between 9 days and 2 hours ago, labels and
    cancellations between their order and 30 minutes ago, so the first sync is the
    first to see them and a re-sync (which looks back 15 minutes) sees none of them.
    """
    rng = random.Random("%s-%s" % (seed, n))
    order = list(range(n))
    rng.shuffle(order)
    n_shipped, n_cancelled = round(0.30 * n), round(0.05 * n)
    shipped = order[:n_shipped]
    shipped_set = set(shipped)
    cancelled = set(order[n_shipped : n_shipped + n_cancelled])
    multi = set(shipped[: n_shipped // 3])
    voided = set(shipped[::10])
    partial = set(shipped[5::10])
    specs = []
    for i in range(n):
        products = rng.sample(range(PRODUCT_COUNT), rng.choice((1, 1, 2, 2, 3)))
        lines = [(sku(p), rng.randint(1, 3)) for p in products]
        if (i in multi or i in partial) and sum(q for _, q in lines) < 2:
            lines = [(lines[0][0], 2)]
        create = now - timedelta(seconds=rng.uniform(2 * 3600, 9 * 86400))
        span = (now - timedelta(minutes=30)) - create
        spec = {
            "lines": lines,
            "create": create,
            "category": "awaiting",
            "ops": [],
            "multi": False,
            "partial": False,
            "voided": False,
        }
        if i in cancelled:
            spec["category"] = "cancelled"
            spec["ops"] = [("cancel", create + span * rng.uniform(0.3, 0.9), None)]
        elif i in shipped_set:
            spec["category"] = "shipped"
            ship_lines = lines
            if i in partial:
                spec["partial"] = True
                ship_lines = lines[:-1] if len(lines) > 1 else [(lines[0][0], lines[0][1] - 1)]
            parcels = [ship_lines]
            if i in multi:
                parcels = _split_units(ship_lines, rng.choice((2, 3)), rng)
                spec["multi"] = len(parcels) > 1
            ops = []
            if i in voided:
                # A label printed by mistake, voided, then the right one(s).
                spec["voided"] = True
                ops += [("ship", create + span * 0.3, [lines]), ("void", create + span * 0.4, None)]
            ops.append(("ship", create + span * rng.uniform(0.5, 0.9), parcels))
            spec["ops"] = ops
        specs.append(spec)
    return specs


def make_changes(specs, seed):
    """The 5% that change between the second and the third sync (at real time).

    3.5% of the deliveries: awaiting orders shipped (a third in several parcels, one
    in ten partly); 1%: awaiting orders cancelled; 0.5%: labels voided, half on orders
    shipped just now (a mistaken label voided, then the right parcels),
    half on orders shipped before the first sync (their deliveries are done).
    :return: (changes [(index, ops)], expected {validated, cancelled, backorders})
    """
    n = len(specs)
    rng = random.Random("%s-%s-changes" % (seed, n))
    awaiting = [i for i, s in enumerate(specs) if s["category"] == "awaiting"]
    rng.shuffle(awaiting)
    n_ship, n_cancel, n_void = (max(1, round(p * n)) for p in (0.035, 0.01, 0.005))
    to_ship, to_cancel = awaiting[:n_ship], awaiting[n_ship : n_ship + n_cancel]
    splittable = [i for i in to_ship if sum(q for _, q in specs[i]["lines"]) >= 2]
    multi = set(splittable[: len(to_ship) // 3])
    partial = {i for i in to_ship[1::10] if sum(q for _, q in specs[i]["lines"]) >= 2 and i not in multi}
    void_new = sorted(multi)[: n_void - n_void // 2]
    old_multi = [i for i, s in enumerate(specs) if s["multi"] and not s["partial"]]
    void_old = rng.sample(old_multi, min(len(old_multi), n_void // 2))
    changes = []
    for i in to_ship:
        lines = specs[i]["lines"]
        if i in partial:
            lines = lines[:-1] if len(lines) > 1 else [(lines[0][0], lines[0][1] - 1)]
        parcels = _split_units(lines, 2, rng) if i in multi else [lines]
        ops = [("ship", None, parcels)]
        if i in void_new:
            # A label printed by mistake and voided, then the right ones, before any sync.
            ops = [("ship", None, [specs[i]["lines"]]), ("void", None, None), *ops]
        changes.append((i, ops))
    changes += [(i, [("cancel", None, None)]) for i in to_cancel]
    changes += [(i, [("void", None, None)]) for i in void_old]
    expected = {
        "validated": len(to_ship),
        "cancelled": len(to_cancel),
        "backorders": len(partial),
        "orders_changed": len({i for i, _ in changes}),
        "labels_voided": len(void_new) + len(void_old),
    }
    return changes, expected
