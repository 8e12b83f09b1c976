"""The bundle's entry point: exactly `smstester` (the console script)."""

import sys

from smstester.cli import main

sys.exit(main())
