"""Install and uninstall hooks of the addon."""

import logging

from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


def uninstall_hook(env):
    """Remove from ShipStation the webhooks the addon subscribed, before its data goes.

    Once the addon is gone, its route answers 404: hooks left in ShipStation would keep calling
    an address that no longer exists. Only accounts that hold subscriptions are asked (a
    neutralized copy forgot the live hooks, so uninstalling there never touches production's).
    A ShipStation error never blocks the uninstall: it is logged, with the account, and the
    other accounts are still cleaned up.
    """
    accounts = env["shipstation.account"].sudo().with_context(active_test=False).search([("webhook_ids", "!=", False)])
    for account in accounts:
        try:
            with env.cr.savepoint():
                account.action_unsubscribe_webhooks()
        except UserError as error:
            _logger.warning(
                "Uninstall: the ShipStation webhooks of account %s (id %s) could not be removed, remove them in "
                "ShipStation by hand: %s",
                account.name,
                account.id,
                error,
            )
        except Exception:
            _logger.exception(
                "Uninstall: the ShipStation webhooks of account %s (id %s) could not be removed, remove them in "
                "ShipStation by hand",
                account.name,
                account.id,
            )
