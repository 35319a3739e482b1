"""Names, patterns and limits of the HTTP API that app.py enforces and the OpenAPI document states.

``python -m api.openapi_build`` reads these values, so a change here reaches the
document when it is regenerated.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"
# Experiment and job ids are uuid4 hex or SHA-256 prefixes: 32 lower-case hex digits.
ID_PATTERN = r"^[0-9a-f]{32}$"
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
# Maximum size in bytes of the JSON body of one page of trials, below the 1 MB that
# DynamoDB returns per Query.
MAX_PAGE_BYTES = 1_000_000
MAX_NEXT_TOKEN_CHARS = 512
NEXT_TOKEN_HEADER = "X-Paropt-Next-Token"
MAX_GRID_SIZE = 10_000
# Run numbers count an experiment's runs from 1. The bound keeps a run filter
# within the 38 significant digits that a DynamoDB number may have.
MAX_RUN_NUMBER = 10**12
