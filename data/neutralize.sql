-- A neutralized copy of a database must never talk to the live ShipStation account.
UPDATE shipstation_account
   SET api_key = NULL,
       api_secret = NULL,
       auto_import_shipment_details = false,
       auto_export_delivery_orders = false;
