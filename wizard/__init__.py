from . import shipstation_operation_wizard
from . import shipstation_preview_line
from . import shipstation_reconcile_line
from . import shipstation_reconcile_wizard
