# Pure-Python parts of the connector. Nothing below this folder imports Odoo.
