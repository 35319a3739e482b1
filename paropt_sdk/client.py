"""The paropt API client: one method per endpoint, typed results and errors by HTTP status."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import requests
from urllib3.util.retry import Retry

from paropt_sdk.errors import ApiError, ServiceUnreachable, api_error
from paropt_sdk.http import retrying_session, single_try_session
from paropt_sdk.models import JOB_STATUSES, TRIAL_STATUSES, Best, Experiment, Job, Trial

API_PREFIX = "/api/v1"
LOCAL_KEY_HEADER = "X-Paropt-Local-Key"
NEXT_TOKEN_HEADER = "X-Paropt-Next-Token"
DEFAULT_TIMEOUT_SECONDS = 30.0


class BearerToken(requests.auth.AuthBase):
    """Sends a fixed ID token in the Authorization header."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.token
        return request


def api_root(base_url: str) -> str:
    """Return the URL of the API's routes: ``base_url`` with ``/api/v1`` appended if missing."""
    root = base_url.rstrip("/")
    if not root.startswith(("http://", "https://")):
        raise ValueError(f"invalid API URL {base_url!r}: expected an http:// or https:// URL")
    if not root.endswith(API_PREFIX):
        root += API_PREFIX
    return root


def _connection_reason(error: requests.RequestException) -> str:
    # requests wraps urllib3's MaxRetryError, whose reason ends with the OS error,
    # such as "[Errno 111] Connection refused".
    reason = error.args[0] if error.args else error
    reason = getattr(reason, "reason", reason)
    return str(reason).rsplit(": ", 1)[-1]


def _error_message(response: requests.Response) -> tuple[str, Any]:
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())[:200]
        return text or response.reason or "no message", None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"], body
    return response.reason or "no message", body


class ParoptClient:
    """A client of the paropt service's HTTP API.

    GET requests are retried with exponential backoff on connection errors, 429 and
    5xx responses. Requests that create or change something (create an experiment,
    start a run, stop a job) are sent once, because a retry could repeat them. The
    exception is a 401 response, which the API sends before acting: the client
    then refreshes the token and sends the request once more.

    Args:
        base_url: The service's URL, with or without the ``/api/v1`` suffix.
        auth: How requests authenticate: a :class:`~paropt_sdk.cognito.CognitoAuth`,
            any ``requests`` auth object, or a fixed ID token as a string.
        local_key: The local stack's key, sent as ``X-Paropt-Local-Key``.
        session: A requests session to send every request with, used as it is,
            so its own adapters decide about retries. Without one the client
            creates one session that retries GETs and one that never retries.
        timeout: Seconds to wait for a connection and then for each read.
        retry: The retry policy of GETs when the client creates its sessions
            (:func:`~paropt_sdk.http.default_retry` if unset).
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: requests.auth.AuthBase | str | None = None,
        local_key: str | None = None,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT_SECONDS,
        retry: Retry | None = None,
    ) -> None:
        self.api_root = api_root(base_url)
        self.auth = BearerToken(auth) if isinstance(auth, str) else auth
        self.local_key = local_key
        self.timeout = timeout
        self._owns_sessions = session is None
        self._read_session = session if session is not None else retrying_session(retry)
        self._write_session = session if session is not None else single_try_session()

    def close(self) -> None:
        """Close the sessions that the client created."""
        if self._owns_sessions:
            self._read_session.close()
            self._write_session.close()

    def __enter__(self) -> ParoptClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> requests.Response:
        session = self._read_session if method == "GET" else self._write_session
        url = self.api_root + path
        headers = {"Accept": "application/json"}
        if self.local_key is not None:
            headers[LOCAL_KEY_HEADER] = self.local_key

        def send() -> requests.Response:
            return session.request(
                method,
                url,
                params=params,
                json=body,
                headers=headers,
                auth=self.auth,
                timeout=self.timeout,
            )

        try:
            response = send()
            # A 401 means the API rejected the request before acting on it, so it
            # is safe to send it again, POST included, with a refreshed token.
            refresh = getattr(self.auth, "id_token", None)
            if response.status_code == 401 and callable(refresh):
                refresh(force_refresh=True)
                response = send()
        except requests.Timeout:
            raise ServiceUnreachable(
                f"{method} {url} timed out after {self.timeout} s; the service may be "
                "overloaded, or the URL may be wrong"
            ) from None
        except requests.ConnectionError as exc:
            raise ServiceUnreachable(
                f"cannot connect to {url}: {_connection_reason(exc)}; check the API URL and "
                "that the service is running"
            ) from None
        if response.status_code >= 400:
            message, error_body = _error_message(response)
            raise api_error(response.status_code, message, error_body)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise ApiError(
                response.status_code,
                f"the response to {method} {path} is not JSON: {response.text[:200]!r}",
            ) from None

    @staticmethod
    def _id(identifier: str) -> str:
        return quote(identifier, safe="")

    def create_experiment(self, spec: Mapping[str, Any]) -> Experiment:
        """Register an experiment, or get the stored one if the same user sent the same body.

        Args:
            spec: The experiment body, as in the previous service's experiment files.

        Raises:
            ValidationFailed: The body is invalid; ``errors`` lists every problem.
        """
        return self._json("POST", "/experiments", body=dict(spec))

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Fetch one experiment, or raise :class:`NotFound` if it is missing or not yours."""
        return self._json("GET", f"/experiments/{self._id(experiment_id)}")

    def list_experiments(self) -> list[Experiment]:
        """Fetch all of the caller's experiments, oldest first."""
        return self._json("GET", "/experiments")

    def start_run(self, experiment_id: str, run: Mapping[str, Any] | None = None) -> Job:
        """Start a run of an optimiser on an experiment and return the queued job.

        Args:
            experiment_id: The experiment to run.
            run: The run body, such as ``{"optimizer": {"type": "grid"}, "budget": 60}``.
                Without one the server runs bayesopt with 2 initial and 2 guided trials.

        Raises:
            Conflict: Another job of the experiment is queued or running; its id is
                in ``active_job_id``.
        """
        body = dict(run) if run is not None else {}
        submitted = self._json("POST", f"/experiments/{self._id(experiment_id)}/trials", body=body)
        return submitted["job"]

    def iter_trials(
        self,
        experiment_id: str,
        *,
        status: str | None = None,
        run: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[Trial]:
        """Yield an experiment's trials in order, fetching page after page.

        Args:
            experiment_id: The experiment.
            status: Only trials in this status: succeeded, failed or timed_out.
            run: Only trials of this run number.
            page_size: Trials per request, 1 to 1000 (the server's default is 1000).
        """
        if status is not None and status not in TRIAL_STATUSES:
            raise ValueError(f"invalid trial status {status!r}: expected one of {TRIAL_STATUSES}")
        params: dict[str, Any] = {}
        if status is not None:
            params["status"] = status
        if run is not None:
            params["run"] = str(run)
        if page_size is not None:
            params["limit"] = str(page_size)
        path = f"/experiments/{self._id(experiment_id)}/trials"
        seen_tokens: set[str] = set()
        while True:
            response = self._send("GET", path, params=params)
            yield from response.json()
            token = response.headers.get(NEXT_TOKEN_HEADER)
            if not token:
                return
            if token in seen_tokens:
                raise ApiError(
                    response.status_code, f"the server repeated the page token {token[:40]!r}"
                )
            seen_tokens.add(token)
            params["next_token"] = token

    def list_trials(
        self,
        experiment_id: str,
        *,
        status: str | None = None,
        run: int | None = None,
        page_size: int | None = None,
    ) -> list[Trial]:
        """Fetch all trials of an experiment, page after page, as :meth:`iter_trials` does."""
        return list(self.iter_trials(experiment_id, status=status, run=run, page_size=page_size))

    def get_best(self, experiment_id: str) -> Best:
        """Fetch the best configuration over all runs.

        Raises:
            NotFound: The experiment is missing, or none of its trials succeeded yet.
        """
        return self._json("GET", f"/experiments/{self._id(experiment_id)}/best")

    def get_active_job(self, experiment_id: str) -> Job:
        """Fetch the experiment's queued or running job, or raise :class:`NotFound` if none is."""
        return self._json("GET", f"/experiments/{self._id(experiment_id)}/job")

    def get_job(self, job_id: str) -> Job:
        """Fetch one job, with its progress and best trial so far."""
        if job_id in JOB_STATUSES:
            raise ValueError(f"{job_id!r} is a job status, not a job id; use list_jobs()")
        return self._json("GET", f"/jobs/{self._id(job_id)}")

    def list_jobs(self, status: str) -> list[Job]:
        """Fetch the caller's jobs in one status: queued, running, finished, failed or stopped."""
        if status not in JOB_STATUSES:
            raise ValueError(f"invalid job status {status!r}: expected one of {JOB_STATUSES}")
        return self._json("GET", f"/jobs/{status}")

    def stop(self, experiment_id: str) -> Job:
        """Stop the experiment's queued or running job and return it.

        The server waits up to 10 s for the runner to kill the running trial, which
        is not stored.

        Raises:
            NotFound: The experiment has no queued or running job.
        """
        stopped = self._json("POST", f"/experiments/{self._id(experiment_id)}/stop")
        return stopped["job"]

    def wait_for_job(
        self,
        job_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 5.0,
        timeout: float | None = None,
        progress: bool = True,
    ) -> Job:
        """Poll a job until it ends, as :func:`paropt_sdk.wait.wait_for_job` describes."""
        from paropt_sdk.wait import wait_for_job

        return wait_for_job(
            self,
            job_id,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            timeout=timeout,
            progress=progress,
        )
