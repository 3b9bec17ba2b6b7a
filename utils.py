"""Small helpers of the Odoo layer shared by several models and the controller."""

import ipaddress
import logging
from urllib.parse import urlsplit

from odoo import _
from odoo.exceptions import AccessError
from odoo.tools import str2bool

from .const import GROUP_MANAGER, PARAMS

_logger = logging.getLogger(__name__)


def get_param(env, key):
    """The system parameter ``key`` (one of :data:`.const.PARAMS`) as its type, or its default.

    A value that is not of the parameter's type (a typo such as ``2s`` for seconds) is
    logged, naming the key and the value, and the default is used: a setting never makes
    a run fail.
    """
    kind, default = PARAMS[key]
    value = env["ir.config_parameter"].sudo().get_param(key)
    if value is None or value is False or not str(value).strip():
        return default
    value = str(value).strip()
    try:
        if kind is bool:
            return str2bool(value)
        return kind(value)
    except ValueError:
        _logger.warning(
            "System parameter %s has a value that is not a %s: %r; %r is used", key, kind.__name__, value, default
        )
        return default


def webhook_url_problem(url):
    """Why ShipStation may not be able to call ``url`` safely, in words; None when fine."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return "local"
    if address is not None and (address.is_private or address.is_loopback or address.is_link_local):
        return "local"
    if parts.scheme != "https":
        return "http"
    return None


def masked(url):
    """The webhook URL with its token hidden (for the chatter and the subscription list)."""
    head, _sep, token = url.rpartition("/")
    return "%s/%s…" % (head, token[:4]) if token else url


def check_manager(env):
    """Subscribing or reading the token is for ShipStation managers."""
    if not env.user.has_group(GROUP_MANAGER) and not env.su:
        raise AccessError(_("Only ShipStation managers manage the account's webhooks."))
