"""Pure-Python tests: the ShipStation client, sandbox and sync planner, without Odoo.

This folder has no ``__init__.py`` on purpose: the repository root is the Odoo addon,
whose ``__init__`` imports Odoo. ``lib/`` is put on ``sys.path`` instead.

The client tests (``client/``) and the sandbox tests (``sandbox/``) each have a folder
with their own ``conftest.py``: both define ``clock`` and ``server`` fixtures, set up
differently (the client tests' sandbox checks a key and secret and may be rate limited).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
