from . import shipstation_operation_wizard
from . import shipstation_preview_line
