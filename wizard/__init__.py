from . import shipstation_operation_wizard
