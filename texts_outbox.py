"""Sentences of the outbox's messages (see ``lib/shipstation/outbox.py``), added to the
message catalogue of :mod:`.texts`."""

from odoo.tools.translate import _lt

from .lib.shipstation import outbox
from .texts import TEXTS, _text

OUTBOX_TEXTS = {
    outbox.UPDATE_SENT: _lt("Sent to ShipStation: %(kind)s."),
    outbox.UPDATE_CLOSED: _lt(
        "Not sent to ShipStation (%(kind)s: %(changes)s): ShipStation's order is no longer open (it has a label or "
        "was cancelled). Change it in ShipStation if it still matters."
    ),
    outbox.UPDATE_REFUSED: _lt("ShipStation refused the update (%(kind)s: %(changes)s): %(error)s"),
    outbox.UPDATE_UNSUPPORTED: _lt(
        "Not sent to ShipStation (%(kind)s: %(changes)s): ShipStation API v2 has no call for it. Make the change "
        "in ShipStation."
    ),
    outbox.LATE_LABEL: _lt("Shipped by ShipStation after the cancel in Odoo: tracking %(tracking)s, cost %(cost)s."),
}
TEXTS.update(OUTBOX_TEXTS)
#: What changed on a delivery, as its pending update names it.
CHANGES = {
    "address": _lt("address"),
    "carrier": _lt("delivery method"),
    "notes": _lt("notes"),
    "lines": _lt("lines and quantities"),
}


def changes_text(changes, lang):
    """``address,lines`` in words of ``lang``."""
    names = [name for name in (changes or "").split(",") if name]
    return ", ".join(_text(CHANGES[name], lang) if name in CHANGES else name for name in names)
