from . import shipstation_parcel_report
from . import shipstation_delivery_cost_report
