from . import test_export
from . import test_shipment_sync
