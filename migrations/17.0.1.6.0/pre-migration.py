"""Before the update: the XML ids renamed since 17.0.1.0.0 follow their records.

Six records of 17.0.1.0.0 were later given names by Odoo's guidelines. Without this step the
update would load them as new records and delete the old ones, and with them whatever a shop
built on them: its own views inheriting the picking views, its favourites and menus on the
actions. Renaming the XML ids first makes the update rewrite the same records instead.

Plain SQL on ``ir_model_data``: no dependency on openupgradelib. A name is moved only when the
old one exists and the new one does not (a database that already has the new names, or a
rerun, changes nothing).
"""

import logging

_logger = logging.getLogger(__name__)

MODULE = "shipstation_connector"

#: ``(model, old name, new name)`` of the XML ids renamed since 17.0.1.0.0.
RENAMED_XMLIDS = (
    ("ir.ui.view", "view_picking_form", "view_picking_withcarrier_out_form_inherit_shipstation_connector"),
    ("ir.ui.view", "vpicktree", "vpicktree_inherit_shipstation_connector"),
    ("ir.ui.view", "view_picking_internal_search", "view_picking_internal_search_inherit_shipstation_connector"),
    ("ir.actions.server", "action_export_to_shipstation", "stock_picking_action_export_to_shipstation"),
    ("ir.actions.act_window", "shipstation_account_dashboard_action", "shipstation_account_action_dashboard"),
    ("ir.ui.menu", "shipstation_menu_dashboard", "shipstation_account_menu_dashboard"),
)


def rename_xmlids(cr, renames=RENAMED_XMLIDS, module=MODULE):
    """Give the records of ``renames`` their new XML ids; return the ``(old, new)`` names moved."""
    moved = []
    for model, old, new in renames:
        cr.execute(
            """
            UPDATE ir_model_data
               SET name = %(new)s
             WHERE module = %(module)s AND name = %(old)s AND model = %(model)s
               AND NOT EXISTS (SELECT 1 FROM ir_model_data WHERE module = %(module)s AND name = %(new)s)
            """,
            {"module": module, "old": old, "new": new, "model": model},
        )
        if cr.rowcount:
            moved.append((old, new))
            _logger.info("%s: XML id %s renamed %s, its record kept", module, old, new)
    return moved


def migrate(cr, version):
    if version:
        rename_xmlids(cr)
