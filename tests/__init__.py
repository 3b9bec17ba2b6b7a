from . import test_api_v2
from . import test_export
from . import test_real_data
from . import test_real_shops
from . import test_shipment_sync
from . import test_shop_setups
from . import test_sync_language
from . import test_sync_runs
