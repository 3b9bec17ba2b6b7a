"""17.0.1.6.0: the scheduled actions run on the services that do the work.

Their records are ``noupdate`` (a shop edits their interval, next call and active flag), so
an update does not change them: this points the server action of each at its new model and
method, and leaves every other value as the shop set it. A record already pointed elsewhere
(by hand) is left alone.
"""

import logging

_logger = logging.getLogger(__name__)

#: XML id (in this module) -> (model it ran on, model it runs on, its code now)
CRONS = {
    "ir_cron_auto_import_shipment_details": (
        "shipstation.account",
        "shipstation.sync",
        "model._cron_import_shipment_details()",
    ),
    "ir_cron_auto_export_delivery_orders": (
        "shipstation.account",
        "shipstation.export",
        "model._cron_export_delivery_orders()",
    ),
    "ir_cron_webhook_sync": (
        "shipstation.webhook",
        "shipstation.webhook.call",
        "model._cron_sync_webhook_calls()",
    ),
}


def repoint_crons(cr):
    """Point each scheduled action of :data:`CRONS` still on its old model at its new one."""
    for xmlid, (old_model, new_model, code) in CRONS.items():
        cr.execute(
            """
            UPDATE ir_act_server a
               SET model_id = m.id, model_name = m.model, code = %s
              FROM ir_cron c, ir_model_data d, ir_model m
             WHERE d.module = 'shipstation_connector' AND d.name = %s AND d.model = 'ir.cron'
               AND c.id = d.res_id AND a.id = c.ir_actions_server_id
               AND a.model_name = %s AND m.model = %s
            """,
            [code, xmlid, old_model, new_model],
        )
        if cr.rowcount:
            _logger.info("Scheduled action %s now runs on %s", xmlid, new_model)


def migrate(cr, version):
    if version:
        repoint_crons(cr)
