{
    "name": "ShipStation Connector",
    "summary": "Bring ShipStation tracking, shipping costs and shipped or cancelled "
    "statuses back into Odoo delivery orders, and export deliveries to ShipStation",
    "version": "17.0.1.0.0",
    "category": "Inventory/Delivery",
    "website": "https://github.com/shipstation-connector/shipstation_connector",
    "author": "ShipStation Connector contributors",
    "license": "LGPL-3",
    "depends": ["stock_delivery", "mail"],
    "external_dependencies": {"python": ["requests", "python-dateutil"]},
    "data": [
        "security/shipstation_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "wizard/shipstation_operation_wizard_views.xml",
        "views/shipstation_account_views.xml",
        "views/shipstation_shipment_views.xml",
        "views/stock_picking_views.xml",
        "views/shipstation_menus.xml",
    ],
    "installable": True,
    "application": False,
}
