"""Run the ``paropt`` command as ``python -m paropt_sdk``."""

import sys

from paropt_sdk.cli import main

sys.exit(main())
