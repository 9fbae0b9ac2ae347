"""Allow ``python -m curvature``."""

import sys

from curvature.cli import main

sys.exit(main())
