from odoo import Command, fields
from odoo.tests import TransactionCase

from odoo.addons.shipstation_connector.lib.shipstation.sandbox import SandboxServer
from odoo.addons.shipstation_connector.lib.shipstation.values import int_or_none

V2_KEY = "test-v2-key"


def v1_only(reason):
    """Skip a scenario on API v2, saying why (what v2 does not have)."""

    def decorate(method):
        def wrapper(self, *args, **kwargs):
            if self.API_VERSION == "v2":
                self.skipTest("API v2: " + reason)
            return method(self, *args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
        return wrapper

    return decorate


class ShipStationCommon(TransactionCase):
    """A company with stock, a ShipStation account, and a ShipStation sandbox on 127.0.0.1.

    The sandbox is the project's own ShipStation server: every test talks to it over
    real HTTP, exactly as the connector talks to ShipStation. ``API_VERSION`` is the API
    of the accounts a test class makes: the sync and export scenarios run on both.
    """

    API_VERSION = "v1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Strict: every request and every answer is held to ShipStation's contract (sandbox/contract).
        cls.sandbox = SandboxServer(
            api_key="test-key", api_secret="test-secret", api_key_v2=V2_KEY, strict=True
        ).start()
        cls.addClassCleanup(cls.sandbox.stop)
        # Retries keep their count, not their real-life pauses.
        cls.env["ir.config_parameter"].sudo().set_param("shipstation_connector.retry_backoff", "0.01")
        # With queue_job installed, the scheduled actions would enqueue jobs: these tests run
        # them in-process, as without queue_job (tests/test_queue_job.py covers the jobs).
        cls.env["ir.config_parameter"].sudo().set_param("shipstation_connector.use_queue_job", "False")
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Ada Lovelace",
                "street": "1 Infinite Loop",
                "city": "Cupertino",
                "zip": "95014",
                "country_id": cls.env.ref("base.us").id,
                "email": "ada@example.com",
            }
        )
        cls.mug = cls._make_product("Mug", "SS-MUG")
        cls.tee = cls._make_product("T-shirt", "SS-TEE-M")
        cls.cap = cls._make_product("Cap", "SS-CAP")
        cls.account = cls._make_account("Main ShipStation")

    def setUp(self):
        super().setUp()
        # Each test starts from an empty ShipStation, as its database starts clean.
        self.sandbox.store.reset()
        self.sandbox.faults.clear()
        self.sandbox.quirks.clear()
        self.sandbox.reset_log()

    @classmethod
    def _make_product(cls, name, code, qty=1000.0, company=None):
        product = cls.env["product.product"].create(
            {"name": name, "default_code": code or False, "type": "product", "list_price": 10.0, "weight": 0.5}
        )
        location = cls.stock_location if company is None else cls._warehouse_of(company).lot_stock_id
        if qty:
            cls.env["stock.quant"]._update_available_quantity(product, location, qty)
        return product

    @classmethod
    def _warehouse_of(cls, company):
        return cls.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)

    @classmethod
    def _make_account(cls, name, company=None, **values):
        version = values.pop("api_version", cls.API_VERSION)
        return cls.env["shipstation.account"].create(
            {
                "name": name,
                "company_id": (company or cls.company).id,
                "api_version": version,
                "api_key": V2_KEY if version == "v2" else "test-key",
                "api_secret": False if version == "v2" else "test-secret",
                "api_url": cls.sandbox.url,
                **values,
            }
        )

    @classmethod
    def _make_delivery(cls, lines, account=None, export=True, warehouse=None, picking_type=None, confirm=True):
        """A confirmed delivery of ``lines`` = [(product, qty)], and its ShipStation order.

        :return: (picking, order dict) — order is None when ``export`` is False
        """
        warehouse = warehouse or cls.warehouse
        picking_type = picking_type or warehouse.out_type_id
        source = picking_type.default_location_src_id or cls.env.ref("stock.stock_location_suppliers")
        dest = cls.customer_location if picking_type.code == "outgoing" else picking_type.default_location_dest_id
        picking = cls.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": cls.partner.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "company_id": warehouse.company_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": dest.id,
                            "company_id": warehouse.company_id.id,
                        }
                    )
                    for product, qty in lines
                ],
            }
        )
        if confirm:
            picking.action_confirm()
            picking.action_assign()
        order = None
        if export:
            order = cls._order_for(picking, lines)
            picking.write(
                {
                    "is_exported_to_shipstation": True,
                    "shipstation_account_id": (account or cls.account).id,
                    "shipstation_order_id": (account or cls.account)._shipstation_ref(order["orderId"]),
                }
            )
        return picking, order

    @classmethod
    def _order_for(cls, picking, lines, **fields):
        """Create in the sandbox the ShipStation order a delivery was exported as."""
        return cls.sandbox.store.add_order(
            orderNumber=picking.name,
            items=[
                {"sku": product.default_code or "", "name": product.name, "quantity": int(qty), "unitPrice": 10.0}
                for product, qty in lines
            ],
            **fields,
        )

    def _order_path(self, order_id):
        """The path of one order's read by id, in this class's API version."""
        return "/v2/shipments/se-%d" % order_id if self.API_VERSION == "v2" else "/orders/%d" % order_id

    @staticmethod
    def _order_id(picking):
        """The ShipStation order id of ``picking`` as the sandbox numbers it (v2's ``se-`` aside)."""
        return int_or_none(picking.shipstation_order_id)

    def _sync(self, account=None, user=None):
        """Run the shipment sync of ``account`` as ``user``; return its report."""
        env = self.env(user=user) if user else self.env
        account = (account or self.account).with_env(env)
        return env["shipstation.sync"]._sync_accounts(account)[0]

    def _age_watermark(self, account=None):
        """Pretend the last sync ran long after everything the sandbox holds was written,
        so the next run sees nothing new (the sandbox runs on the real clock)."""
        (account or self.account).sync_since = fields.Datetime.add(fields.Datetime.now(), days=1)

    def _two_step_delivery(self, product, qty):
        """A sale in a two-step warehouse: (pick, out), out exported to ShipStation."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty})],
            }
        )
        order.action_confirm()
        pick = order.picking_ids.filtered(lambda p: p.picking_type_id == self.warehouse.pick_type_id)
        out = order.picking_ids.filtered(lambda p: p.picking_type_id == self.warehouse.out_type_id)
        self.assertEqual(len(pick), 1)
        self.assertEqual(len(out), 1)
        ss_order = self._order_for(out, [(product, qty)])
        out.write(
            {
                "is_exported_to_shipstation": True,
                "shipstation_account_id": self.account.id,
                "shipstation_order_id": self.account._shipstation_ref(ss_order["orderId"]),
            }
        )
        return pick, out

    def _serial_delivery_without_lot(self):
        """A delivery Odoo refuses to validate until its serial number is set: ``(picking, order, lot)``."""
        serial = self.env["product.product"].create(
            {"name": "Laptop", "default_code": "SS-LAPTOP", "type": "product", "tracking": "serial"}
        )
        lot = self.env["stock.lot"].create({"name": "SN1", "product_id": serial.id, "company_id": self.company.id})
        self.env["stock.quant"]._update_available_quantity(serial, self.stock_location, 1, lot_id=lot)
        picking, order = self._make_delivery([(serial, 1)])
        picking.move_ids.move_line_ids.lot_id = False
        return picking, order, lot

    def _notes(self, picking):
        """Chatter bodies the sync posted on ``picking``, newest first."""
        return picking.message_ids.filtered(lambda m: m.message_type == "notification").mapped("body")
