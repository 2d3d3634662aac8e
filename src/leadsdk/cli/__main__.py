"""`python -m leadsdk.cli`: the command line, as the `leadsdk` script runs it."""

import sys

from leadsdk.cli import main

sys.exit(main())
