from unittest.mock import patch

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.translate import code_translations

from .. import texts
from ..lib.shipstation import messages as msg
from .common import ShipStationCommon

SYNC_LOGGER = "odoo.addons.shipstation_connector.models.shipstation_sync"


def _source(lazy):
    return lazy._source  # pylint: disable=protected-access


@tagged("post_install", "-at_install")
class TestSyncLanguage(ShipStationCommon):
    """What a run stores never depends on who runs it; what a user reads is in their language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.french_user = new_test_user(
            cls.env,
            login="ss_french",
            groups="stock.group_stock_user,shipstation_connector.group_shipstation_user",
            lang="fr_FR",
        )

    def setUp(self):
        super().setUp()
        # A French translation of a few of the connector's terms, as a fr.po would give.
        french = {
            _source(texts.TEXTS[msg.SYNC_FAILED]): "Échec de la synchronisation ShipStation : %(error)s",
            _source(texts.TEXTS[msg.NOTHING_RESERVED]): "Expédié dans ShipStation, rien n'est encore réservé ici.",
            _source(texts.TEXTS[msg.PARCEL_ADDED]): "Colis %(tracking)s ajouté (%(carrier)s).",
            _source(texts.SYNC_HEAD): "%(account)s : %(checked)d livraisons vérifiées.",
        }
        patcher = patch.dict(code_translations.python_translations, {("shipstation_connector", "fr_FR"): french})
        patcher.start()
        self.addCleanup(patcher.stop)

    def _french_env(self):
        return self.env(user=self.french_user, context=dict(self.env.context, lang="fr_FR"))

    @mute_logger(SYNC_LOGGER)
    def test_rerun_by_a_user_of_another_language_writes_and_posts_nothing(self):
        picking, order, _lot = self._serial_delivery_without_lot()
        self.sandbox.store.ship_order(order["orderId"])
        self._sync()
        self.assertEqual(picking.shipstation_sync_state, "failed")
        message, notes = picking.shipstation_sync_message, len(picking.message_ids)
        self.assertTrue(message.startswith("ShipStation sync failed: "), message)
        self._age_watermark()
        french = self._french_env()["shipstation.sync"]._sync_accounts(self.account.with_env(self._french_env()))
        self.assertEqual(french[0].failed, 1)
        picking.invalidate_recordset()
        self.assertEqual(picking.shipstation_sync_message, message)
        self.assertEqual(len(picking.message_ids), notes, "a re-run with nothing new posts nothing")

    def test_what_a_run_stores_is_in_the_company_language(self):
        self.company.partner_id.lang = "fr_FR"
        poster = self._make_product("Poster", "SS-POSTER", qty=0)
        picking, order = self._make_delivery([(poster, 1)])
        self.sandbox.store.ship_order(order["orderId"], parcels=[{"trackingNumber": "FR1", "carrierCode": "ups"}])
        self._sync()  # run by an English-speaking user
        self.assertEqual(picking.shipstation_sync_message, "Expédié dans ShipStation, rien n'est encore réservé ici.")
        self.assertIn("Colis FR1 ajouté (ups).", self._notes(picking)[0])
        self.assertEqual(picking.shipstation_sync_code, msg.message(msg.NOTHING_RESERVED).to_json())
        self.assertIn("livraisons vérifiées", self.account.last_sync_summary)
        notes = len(picking.message_ids)
        self._age_watermark()
        self._sync()
        self.assertEqual(len(picking.message_ids), notes)

    def test_the_wizard_shows_its_result_in_the_language_of_who_runs_it(self):
        wizard = (
            self._french_env()["shipstation.operation.wizard"]
            .with_context(default_account_ids=self.account.ids)
            .create({})
        )
        wizard.action_process()
        self.assertIn("livraisons vérifiées", wizard.result)
        self.assertNotIn("livraisons vérifiées", self.account.last_sync_summary, "stored in the company's language")

    def test_every_message_code_has_a_sentence(self):
        codes = {value for name, value in vars(msg).items() if name.isupper() and isinstance(value, str)}
        self.assertEqual(codes - set(texts.TEXTS), {msg.ACCOUNT_ERROR}, "ACCOUNT_ERROR carries its own words")
        params = {
            "number": "WH/OUT/1",
            "order_id": 7,
            "name": "WH/OUT/1",
            "error": "boom",
            "tracking": "1Z",
            "carrier": "ups",
            "names": ["WH/OUT/2"],
            "partner": "Deco Addict",
            "products": ["Mug", "Tee"],
            "skus": ["KIT-1"],
            "kind": "shipment",
            "record_id": "77",
            "field": "shipmentCost",
            "value": "four dollars",
            "cost": "12.00",
            "currency": "EUR",
            "company_currency": "USD",
            "missing": [("MUG", 1.0, 2.0)],
            "origin": "SO042",
            "order_skus": ["TEE-RED"],
            "changes": "address,lines",
            "status": "shipped",
        }
        for code in texts.TEXTS:
            text = texts.render(msg.message(code, **params), "en_US")
            self.assertNotIn("%(", text, code)
        missing = texts.render(msg.message(msg.NOT_ALL_RESERVED, missing=[("MUG", 1.0, 2.0)]), "en_US")
        self.assertIn("(MUG: 1 of 2)", missing)


@tagged("post_install", "-at_install")
class TestAccountGuard(ShipStationCommon):
    """One account failing in an unexpected way never stops the others."""

    def test_unexpected_error_in_one_account_is_reported_and_the_others_sync(self):
        other = self._make_account("Second")
        picking, order = self._make_delivery([(self.mug, 1)])
        other_picking, other_order = self._make_delivery([(self.tee, 1)], account=other)
        for remote in (order, other_order):
            self.sandbox.store.ship_order(remote["orderId"])
        Shipment = type(self.env["shipstation.shipment"])
        original = Shipment._shipstation_add_consumption

        def broken_for_first(self_, account, *args, **kwargs):
            if account.id == self.account.id:
                raise RuntimeError("disk on fire")
            return original(self_, account, *args, **kwargs)

        with patch.object(Shipment, "_shipstation_add_consumption", broken_for_first), self.assertLogs(
            SYNC_LOGGER, level="ERROR"
        ) as logs:
            reports = self.env["shipstation.sync"]._sync_accounts(self.account | other)
        self.assertIn("Traceback", "\n".join(logs.output))
        first, second = reports
        self.assertEqual(first.error, msg.message(msg.ACCOUNT_UNEXPECTED, error="RuntimeError: disk on fire"))
        self.assertEqual(second.validated, 1)
        self.assertEqual(other_picking.state, "done")
        self.assertNotEqual(picking.state, "done")
        self.assertIn("disk on fire", self.account.last_sync_summary)
        self.assertIn("disk on fire", self.account.message_ids[0].body)
        self.assertFalse(self.account.sync_since, "a failed run keeps the watermark")

    def test_unexpected_error_in_one_export_is_reported_and_the_others_export(self):
        other = self._make_account("Second")
        self._make_delivery([(self.mug, 1)], export=False)
        Export = type(self.env["shipstation.export"])
        original = Export._candidates

        def broken_for_first(self_, account):
            if account.id == self.account.id:
                raise RuntimeError("disk on fire")
            return original(self_, account)

        with patch.object(Export, "_candidates", broken_for_first), mute_logger(
            "odoo.addons.shipstation_connector.models.shipstation_export"
        ):
            first, second = self.env["shipstation.export"]._export_accounts(self.account | other)
        self.assertEqual(first.error.code, msg.ACCOUNT_UNEXPECTED)
        self.assertFalse(second.error)
        self.assertEqual(second.exported, 1)
