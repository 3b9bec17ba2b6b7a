from . import shipstation_account
from . import shipstation_carrier_mapping
from . import shipstation_export
from . import shipstation_shipment
from . import shipstation_sync
from . import shipstation_tracking_link
from . import stock_move
from . import stock_picking
