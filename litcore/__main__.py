"""Entry point for ``python -m litcore``."""

import sys

from litcore.cli import main

sys.exit(main())
