"""The words of the sync and the export, through Odoo's translations.

The pure code (``lib/shipstation``) speaks in :mod:`message codes
<.lib.shipstation.messages>`; this module holds the sentence of every code, marked
for translation (``i18n/shipstation_connector.pot``), and renders messages and run
reports in a language the caller names. What a run stores (a delivery's sync
message, its chatter notes, the account's last summary) is rendered in the
company's language, so it never depends on who ran the run.
"""

from odoo.tools.translate import _lt

from .lib.shipstation import messages as msg
from .lib.shipstation.report import AccountReport, totals

TEXTS = {
    msg.NO_ORDER_NUMBERED: _lt(
        "ShipStation has no order numbered %(number)s. Set the delivery's ShipStation order id (ShipStation "
        "section), or, if ShipStation never had it, export it again from Reconcile on the account."
    ),
    msg.NO_ORDER_NUMBERED_EITHER: _lt(
        "ShipStation has no order numbered %(number)s, nor one numbered as its source document %(origin)s. "
        "Set the delivery's ShipStation order id (ShipStation section), or, if ShipStation never had it, "
        "export it again from Reconcile on the account."
    ),
    msg.ORDER_MISSING: _lt(
        "ShipStation has no order %(order_id)s for %(name)s: it was deleted, or merged into another order "
        "(API v2 does not say which), whose label may already have shipped these goods. Check in "
        "ShipStation; if nothing shipped, Reconcile (on the account) offers to export it again."
    ),
    msg.ORDER_UNREADABLE: _lt("ShipStation could not return order %(order_id)s: %(error)s. The next sync tries again."),
    msg.RECORD_UNREADABLE: _lt(
        "ShipStation sent %(kind)s %(record_id)s with a value the sync cannot read: %(field)s = "
        "%(value)s. It was set aside; the next sync reads it again."
    ),
    msg.BACKORDER_WAITING: _lt(
        "The ShipStation order is shipped, but its parcels were recorded on an earlier delivery of the "
        "same order: these remaining items have no parcel in ShipStation yet."
    ),
    msg.LABELS_VOIDED: _lt(
        "The ShipStation order says shipped, but every label of it was voided: waiting for a new label."
    ),
    msg.NOTHING_RESERVED: _lt(
        "Shipped in ShipStation, but none of its goods are available for this delivery yet: they are out "
        "of stock, or an earlier step such as the pick is not done. Receive them, or validate that step: "
        "every sync tries to reserve them and validates the delivery once they are."
    ),
    msg.NOT_ALL_RESERVED: _lt(
        "Shipped in ShipStation, but Odoo has not reserved all shipped goods for this delivery (%(missing)s). "
        "Receive the missing goods, or validate the step that brings them: every sync tries to reserve them "
        "and validates the delivery once they are."
    ),
    msg.SHARED_ORDER: _lt(
        "ShipStation order %(number)s is also the order of %(names)s: nothing is validated, so no label "
        "ships twice. Keep the ShipStation order id on the delivery it belongs to only."
    ),
    msg.ITEMS_UNKNOWN: _lt(
        "ShipStation says shipped, but neither its labels nor its order list the items that left: "
        "nothing is validated until they do. If the goods left, validate the delivery by hand."
    ),
    msg.NOT_IN_ORDER: _lt(
        "ShipStation's order does not list SKU %(skus)s of this delivery, and lists SKU %(order_skus)s, which "
        "matches no product here: nothing is validated, so nothing ships twice. Give the products the SKUs "
        "ShipStation uses, or correct the order in ShipStation."
    ),
    msg.UNKNOWN_SKUS: _lt(
        "ShipStation shipped items that are not on this delivery (SKU %(skus)s). Check the SKUs in "
        "ShipStation and the products' internal references: nothing is validated until they match."
    ),
    msg.SYNC_FAILED: _lt("ShipStation sync failed: %(error)s"),
    msg.VALIDATION_FAILED: _lt(
        "ShipStation sync failed: ShipStation shipped this delivery, but Odoo refused to validate it "
        "(%(error)s). Its tracking (%(tracking)s) and cost are recorded. Fix that on the delivery (for "
        "example, set the lot or serial numbers): the next sync validates it."
    ),
    msg.PARCEL_ADDED: _lt("Parcel %(tracking)s added (%(carrier)s)."),
    msg.PARCEL_ADDED_NO_CARRIER: _lt("Parcel %(tracking)s added (carrier unknown)."),
    msg.PARCEL_REMOVED: _lt("Parcel %(tracking)s removed: its label was voided in ShipStation."),
    msg.VALIDATED: _lt("Validated: shipped in ShipStation."),
    msg.SALE_SHIPPED: _lt("Shipped in ShipStation (%(name)s):"),
    msg.COST_NOT_CONVERTED: _lt(
        "The shipping cost of %(cost)s %(currency)s was not converted to %(company_currency)s: Odoo has no "
        "rate for %(currency)s. It is kept in %(currency)s on the parcels; add a rate, and the next change "
        "of the parcels converts it."
    ),
    msg.REAL_COST_ADDED: _lt(
        "Shipping cost of %(cost)s %(currency)s put on sale order %(name)s (its delivery method invoices the real "
        "cost)."
    ),
    msg.REAL_COST_NOT_CONVERTED: _lt(
        "The shipping cost was not put on sale order %(name)s: %(cost)s %(currency)s cannot be converted to "
        "%(company_currency)s (Odoo has no rate for %(currency)s). Add a rate, then set the shipping line of "
        "%(name)s by hand."
    ),
    msg.REAL_COST_FAILED: _lt("The shipping cost was not put on sale order %(name)s: %(error)s"),
    msg.BACKORDER_CREATED: _lt("Backorder %(names)s created for the items ShipStation has not shipped."),
    msg.BACKORDER_NOT_IN_ORDER: _lt(
        "%(names)s holds what this delivery had beyond its ShipStation order (added or raised in Odoo "
        "after the export). It is not linked to ShipStation: the export sends it as an order of its own."
    ),
    msg.NOT_IN_ORDER_SPLIT: _lt(
        "Not in the ShipStation order of the delivery it comes from (added or raised in Odoo after the "
        "export): export this delivery to ShipStation to ship it."
    ),
    msg.CANCELLED: _lt("Cancelled: the order was cancelled in ShipStation."),
    msg.UPSTREAM_CANCELLED: _lt("Also cancelled, as they only fed this delivery: %(names)s"),
    msg.ACCOUNT_BUSY: _lt("a sync of this account is already running; try again when it is done."),
    msg.ACCOUNT_UNEXPECTED: _lt("unexpected error (%(error)s); the server log has the details."),
    msg.ACCOUNT_CONFLICT: _lt(
        "another operation changed the same stock at the same time; what this run had not saved yet "
        "was undone, and the next run takes it up."
    ),
    msg.EXPORT_NO_ADDRESS: _lt("The delivery has no customer address."),
    msg.EXPORT_NO_STREET: _lt("The delivery address of %(partner)s has no street or city."),
    msg.EXPORT_NO_COUNTRY: _lt("The delivery address of %(partner)s has no country."),
    msg.EXPORT_NO_SKU: _lt("These products have no internal reference (ShipStation SKU): %(products)s"),
    msg.EXPORT_ZERO_QUANTITY: _lt("The delivery has a line with quantity zero."),
    msg.EXPORT_FRACTIONAL: _lt("ShipStation takes whole quantities only: %(products)s"),
    msg.EXPORT_BATCH_REFUSED: _lt("ShipStation did not accept the batch: %(error)s"),
    msg.EXPORT_ORDER_REFUSED: _lt("ShipStation refused the order: %(error)s"),
    msg.EXPORT_NO_RESULT: _lt("ShipStation returned no result for this order."),
}
MISSING_ITEM = _lt("%(sku)s: %(reserved)s of %(needed)s")
SYNC_HEAD = _lt(
    "%(account)s: %(checked)d deliveries checked, %(updated)d updated, %(validated)d validated "
    "(backorders: %(backorders)d), %(cancelled)d cancelled, %(waiting)d waiting, %(failed)d failed; "
    "%(api_calls)d ShipStation API calls, %(seconds).1f s."
)
SYNC_LEFT = _lt("%(left)d deliveries left for the next run.")
SYNC_SET_ASIDE = _lt("%(set_aside)d unreadable ShipStation records set aside.")
SYNC_GIVEN_UP = _lt(
    "%(given_up)d failed deliveries are no longer read again: ShipStation has had no order for them "
    "for several runs (Reconcile on the account says what to do with them)."
)
SYNC_ERROR = _lt("%(account)s: not synced: %(error)s")
SYNC_TOTAL = _lt(
    "Total: %(checked)d checked, %(updated)d updated, %(validated)d validated, %(cancelled)d "
    "cancelled, %(waiting)d waiting, %(failed)d failed, %(api_calls)d API calls."
)
EXPORT_HEAD = _lt(
    "%(account)s: %(checked)d deliveries to export, %(exported)d exported, %(failed)d failed; "
    "%(api_calls)d ShipStation API calls, %(seconds).1f s."
)
EXPORT_ERROR = _lt("%(account)s: not exported: %(error)s")
EXPORT_UPDATES = _lt(
    "Updates of deliveries exported before: %(updates_sent)d sent, %(updates_failed)d not sent, "
    "%(updates_pending)d left for the next run, %(late_labels)d shipped by ShipStation after a cancel."
)
NO_ACCOUNT = _lt("No ShipStation account to sync.")


def _text(lazy, lang):
    """``lazy`` in ``lang`` (Odoo's code translations look up ``context`` in this frame)."""
    context = {"lang": lang or "en_US"}  # noqa: F841 - read by Odoo's _lt through the frame
    return str(lazy)


def _format(lazy, lang, params):
    """``lazy`` in ``lang`` with its parameters; a translation whose placeholders do not
    fit falls back to the English sentence rather than break the run."""
    try:
        return _text(lazy, lang) % params
    except (KeyError, TypeError, ValueError):
        return lazy._source % params  # pylint: disable=protected-access


def render(message, lang):
    """The sentence of a :class:`~.lib.shipstation.messages.Message` in ``lang``.

    :param message: a Message, or None (gives ``""``)
    :param str lang: language code, e.g. ``en_US``
    :return: str
    """
    if message is None:
        return ""
    if message.code == msg.ACCOUNT_ERROR:
        return message.get("error")  # ShipStation's or the set-up's own words, as they came
    params = dict(message.params)
    if message.code == msg.NOT_ALL_RESERVED:
        item = _text(MISSING_ITEM, lang)
        params["missing"] = ", ".join(
            item % {"sku": sku, "reserved": "%g" % reserved, "needed": "%g" % needed}
            for sku, reserved, needed in params.get("missing", ())
        )
    if "names" in params and isinstance(params["names"], tuple):
        params["names"] = ", ".join(params["names"])
    for name in ("products", "skus", "order_skus"):
        if isinstance(params.get(name), tuple):
            params[name] = ", ".join(params[name])
    return _format(TEXTS[message.code], lang, params)


def report_text(report, lang):
    """One paragraph a warehouse user can read: the figures, then each failure."""
    values = dict(vars(report), error=render(report.error, lang))
    if report.error:
        head = _format(SYNC_ERROR if isinstance(report, AccountReport) else EXPORT_ERROR, lang, values)
    elif isinstance(report, AccountReport):
        head = _format(SYNC_HEAD, lang, values)
        if report.left:
            head += " " + _format(SYNC_LEFT, lang, values)
        if report.set_aside:
            head += " " + _format(SYNC_SET_ASIDE, lang, values)
        if report.given_up:
            head += " " + _format(SYNC_GIVEN_UP, lang, values)
    else:
        head = _format(EXPORT_HEAD, lang, values)
        if any(values.get(name) for name in ("updates_sent", "updates_failed", "updates_pending", "late_labels")):
            head += " " + _format(EXPORT_UPDATES, lang, values)
    lines = [head] + ["  - %s: %s" % (name, render(message, lang)) for name, message in report.failures]
    return "\n".join(lines)


def summary_text(reports, lang):
    """The whole run, one paragraph per account, then the totals when several."""
    parts = [report_text(report, lang) for report in reports]
    if len(reports) > 1 and all(isinstance(r, AccountReport) for r in reports):
        parts.append(_format(SYNC_TOTAL, lang, totals(reports)))
    return "\n".join(parts) if parts else _text(NO_ACCOUNT, lang)
