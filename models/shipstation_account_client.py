"""The account's credentials: the one place they become an API client, the check of the
key, and what the account's managers are told when ShipStation refuses it."""

from odoo import _, api, models
from odoo.exceptions import UserError

from ..const import GROUP_MANAGER, PARAM_RATE_LIMIT_MAX_WAIT, PARAM_RATE_LIMIT_RESERVE, PARAM_RETRY_BACKOFF
from ..lib.shipstation.client import DEFAULT_API_URL, ShipStationClient
from ..lib.shipstation.client_v2 import DEFAULT_API_URL_V2, ShipStationV2Client
from ..lib.shipstation.errors import AuthenticationError, ShipStationError
from ..utils import get_param


class ShipStationAccount(models.Model):
    # One concern of the model a file (none over 400 lines); the registry merges the classes.
    _inherit = "shipstation.account"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # ONCHANGE METHODS
    # ------------------------------------------------------------

    @api.onchange("api_version")
    def _onchange_api_version(self):
        """Follow the version with ShipStation's own URL (a sandbox URL is left alone)."""
        defaults = {"v1": DEFAULT_API_URL, "v2": DEFAULT_API_URL_V2}
        if not self.api_url or self.api_url.rstrip("/") in defaults.values():
            self.api_url = defaults[self.api_version or "v1"]

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_test_connection(self):
        """Check the credentials with one cheap call and say plainly how it went."""
        self.ensure_one()
        try:
            with self._get_shipstation_client(max_retries=1) as client:
                client.test_connection()
        except AuthenticationError as error:
            raise UserError(self._shipstation_refusal_text()) from error
        except ShipStationError as error:
            # Raised, the refusal undoes any write: the sync's own run records a refused key.
            raise UserError(
                _("ShipStation refused the connection for %(name)s: %(error)s", name=self.name, error=error.message)
            ) from error
        self._shipstation_credentials_checked(refused=False)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Connection works"),
                "message": _(
                    "ShipStation API %(version)s accepted the key of %(name)s.",
                    version=self.api_version,
                    name=self.name,
                ),
                "type": "success",
                "sticky": False,
            },
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_shipstation_client(self, **options):
        """The one place where the account's credentials become an API client.

        :return: :class:`ShipStationClient` for this account
        :raises UserError: when the key or secret is missing
        """
        self.ensure_one()
        account_sudo = self.sudo()
        if self.api_version == "v2":
            if not account_sudo.api_key:
                raise UserError(_("ShipStation account %(name)s has no API key.", name=self.name))
        elif not account_sudo.api_key or not account_sudo.api_secret:
            raise UserError(_("ShipStation account %(name)s has no API key or secret.", name=self.name))
        if any(ord(char) < 32 for char in (account_sudo.api_key or "") + (account_sudo.api_secret or "")):
            raise UserError(
                _(
                    "The API key of %(name)s holds a line break or another control character: paste it again.",
                    name=self.name,
                )
            )
        backoff = get_param(self.env, PARAM_RETRY_BACKOFF)
        if backoff:
            options.setdefault("backoff", backoff)
        max_wait = get_param(self.env, PARAM_RATE_LIMIT_MAX_WAIT)
        if max_wait:
            options.setdefault("max_wait", max_wait)
        # Calls of each rate-limit window left to the other apps on the same key (the limit is the key's).
        reserve = get_param(self.env, PARAM_RATE_LIMIT_RESERVE)
        if reserve:
            options.setdefault("rate_limit_reserve", max(reserve, 0))
        if self.api_version == "v2":
            return ShipStationV2Client(account_sudo.api_key, self._shipstation_api_root(), **options)
        return ShipStationClient(account_sudo.api_key, account_sudo.api_secret, self._shipstation_api_root(), **options)

    def _shipstation_api_root(self):
        """The API URL for the account's version: ShipStation's own when the URL is the other
        version's default (an account created without the form), never ending in ``/v2``."""
        url = (self.api_url or "").strip().rstrip("/")
        defaults = {"v1": DEFAULT_API_URL, "v2": DEFAULT_API_URL_V2}
        if not url or url in defaults.values():
            return defaults[self.api_version or "v1"]
        return url[: -len("/v2")] if self.api_version == "v2" and url.endswith("/v2") else url

    def _shipstation_credentials_checked(self, refused):
        """Tell the account's managers once when ShipStation refuses the key; clear it once it works.

        A refused key gets one activity (a warning for a manager of the account's company)
        saying what happened and where to make a new key; later refusals add nothing;
        the first run that gets through marks the activity done.
        """
        self.ensure_one()
        account_sudo = self.sudo()
        if refused == account_sudo.credentials_refused:
            return
        account_sudo.credentials_refused = refused
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        if not refused:
            account_sudo.activity_ids.filtered(lambda a: a.activity_type_id == activity_type).action_feedback(
                feedback=_("ShipStation accepted the API key again.")
            )
            return
        account_sudo.activity_schedule(
            activity_type_id=activity_type.id,
            summary=_("ShipStation refused the API key"),
            note=_(
                "ShipStation refused the API key and secret of %(name)s: every sync of this account fails until "
                "they are replaced. ShipStation API v1 keys expire after 3, 6 or 12 months. Make a new key pair "
                "in ShipStation (Settings > Account > API Settings), enter it on this account, then use Test "
                "Connection.",
                name=account_sudo.name,
            )
            if self.api_version != "v2"
            else _(
                "ShipStation API v2 refused the API key of %(name)s: every sync of this account fails until it "
                "is replaced. Make a new v2 key in ShipStation (Settings > Account > API Settings, API v2), enter "
                "it on this account, then use Test Connection.",
                name=account_sudo.name,
            ),
            user_id=self._shipstation_manager().id,
        )

    def _shipstation_manager(self):
        """The user who hears about the account: a ShipStation manager of its company."""
        group = self.env.ref(GROUP_MANAGER)
        managers = group.sudo().users.filtered(lambda u: not u.share and self.company_id in u.company_ids)
        return managers.sorted("id")[:1] or self.env.ref("base.user_admin")

    def _shipstation_refusal_text(self):
        """What to tell a user whose key ShipStation refused: a key of the other version is
        the common mistake, and ShipStation answers both the same way."""
        if self.api_version == "v2":
            return _(
                "ShipStation API v2 refused the key of %(name)s. A v1 key (with its secret) does not work on v2: "
                "choose API v1 on this account, or make a v2 key in ShipStation (Settings > Account > API "
                "Settings, API v2).",
                name=self.name,
            )
        return _(
            "ShipStation API v1 refused the key and secret of %(name)s. A v2 key does not work on v1: choose API "
            "v2 on this account, or make a new v1 key pair (v1 keys expire after 3, 6 or 12 months).",
            name=self.name,
        )
