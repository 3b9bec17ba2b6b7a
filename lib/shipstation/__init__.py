"""ShipStation API v1 for the connector: client, errors, time conventions, sync planner
and the ShipStation sandbox. Pure Python: nothing in this package imports Odoo, so it
tests in milliseconds and is usable outside Odoo (benchmarks, the sandbox CLI).

Import the submodules directly (``from .client import ShipStationClient``).
"""
