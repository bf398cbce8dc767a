"""``python -m grids.partitioning``: see :mod:`grids.partitioning.cli`."""

import sys

from .cli import main

sys.exit(main())
