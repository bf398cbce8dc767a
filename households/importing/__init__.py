"""Importers for what township staff have: check first, then load atomically."""

from .groups import import_village_groups
from .households import CRS_CHOICES, import_households
from .persons import import_persons
from .readers import ReadError
from .report import ImportRejected, ImportReport, Problem

__all__ = [
    "CRS_CHOICES",
    "ImportRejected",
    "ImportReport",
    "Problem",
    "ReadError",
    "import_households",
    "import_persons",
    "import_village_groups",
]
