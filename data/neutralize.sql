-- A neutralized copy of a database must never talk to the live ShipStation account.
UPDATE shipstation_account
   SET api_key = NULL,
       api_secret = NULL,
       auto_import_shipment_details = false,
       auto_export_delivery_orders = false,
       -- Its webhook URLs are not the live ones, and its Unsubscribe must not remove the live hooks.
       webhook_token = replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
DELETE FROM shipstation_webhook;
