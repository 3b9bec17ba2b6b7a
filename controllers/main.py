"""The route ShipStation calls: ``POST /shipstation/webhook/<token>``.

It trusts nothing it receives. An unknown token gets 404 and nothing else happens; the
body must say its length, at most 64 KB, and be a JSON object; a v2 account's calls must carry a valid
RSA-SHA256 signature, no more than five minutes old. A valid call only asks for a sync
of its account (see ``shipstation.webhook``): no ShipStation call is made during the
request, and the body's ``resource_url`` is never read, so no credential ever goes to
an address that came with a request.
"""

import json
import logging
import threading

from odoo import http
from odoo.http import request

from ..const import PARAM_WEBHOOK_KEYS_URL
from ..lib.shipstation.webhooks import KeyCache, WebhookRefused, verify_v2
from ..utils import get_param

_logger = logging.getLogger(__name__)

#: Largest body accepted; ShipStation's are a few hundred bytes.
MAX_BODY = 64 * 1024

_key_caches = {}
_key_caches_lock = threading.Lock()


def key_cache(url):
    """The worker's cache of the signing keys published at ``url``."""
    with _key_caches_lock:
        if url not in _key_caches:
            _key_caches[url] = KeyCache(url)
        return _key_caches[url]


def _answer(status, outcome):
    return request.make_json_response({"status": outcome}, status=status)


class ShipStationWebhookController(http.Controller):
    @http.route(
        "/shipstation/webhook/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY,
    )
    def shipstation_webhook(self, token, **_params):
        account = request.env["shipstation.account"].sudo()._shipstation_webhook_account(token)
        if not account:
            return _answer(404, "unknown")
        httprequest = request.httprequest
        if httprequest.content_length is None:
            # A body of unknown length (chunked) could be any size: ShipStation always says it.
            return _answer(411, "length required")
        if httprequest.content_length > MAX_BODY:
            return _answer(413, "too large")
        body = httprequest.get_data(cache=False)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            _logger.warning("ShipStation webhook for account %s refused: the body is not a JSON object", account.name)
            return _answer(400, "not a JSON object")
        if account.api_version == "v2":
            try:
                verify_v2(httprequest.headers, body, key_cache(get_param(request.env, PARAM_WEBHOOK_KEYS_URL)))
            except WebhookRefused as refused:
                _logger.warning("ShipStation webhook for account %s refused: %s", account.name, refused)
                return _answer(503 if refused.reason == "keys_unavailable" else 401, refused.reason)
        event = payload.get("resource_type")
        event = event[:64] if isinstance(event, str) else None
        outcome = request.env["shipstation.webhook"].sudo()._shipstation_call_received(account, event)
        return _answer(200, outcome)
