"""HTTP sessions of the client: one that retries idempotent requests and one that never retries."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# 429 and the 5xx codes that a proxy, API Gateway or Lambda return for a
# passing overload or failure.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def default_retry(total: int = 4, backoff_factor: float = 0.5) -> Retry:
    """Create the retry policy of idempotent requests.

    urllib3 2.x retries at once the first time and then sleeps
    ``backoff_factor * 2 ** (retry - 1)`` seconds plus up to 0.25 s of jitter:
    1, 2 and 4 s with the defaults. A ``Retry-After`` header on 429 or 503 sets
    the wait instead. After the last try the final response is returned, so its
    error status and message reach the caller.
    """
    return Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        other=0,
        redirect=0,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_jitter=0.25,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def retrying_session(retry: Retry | None = None) -> requests.Session:
    """Create a session whose adapters retry with ``retry`` (``default_retry()`` if unset)."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry if retry is not None else default_retry())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def single_try_session() -> requests.Session:
    """Create a session that sends each request once.

    urllib3 retries a failed connection for every method, POST included, so
    requests that create or change something go through this session instead.
    """
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=Retry(total=0, read=False, redirect=False))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
