"""`python -m smstester` works exactly like the `smstester` command."""

import sys

from smstester.cli import main

sys.exit(main())
