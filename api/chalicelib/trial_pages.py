"""Pages of an experiment's trials, each read with one Query, and their next tokens."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from chalicelib.bodies import InvalidBody, parse_json_text
from chalicelib.contract import (
    DEFAULT_PAGE_SIZE,
    MAX_NEXT_TOKEN_CHARS,
    MAX_PAGE_BYTES,
    MAX_PAGE_SIZE,
    MAX_RUN_NUMBER,
)
from chalicelib.views import trial_view
from paropt.storage import TRIAL_STATUSES, TrialModel


@dataclass(frozen=True)
class TrialPage:
    """One page of trials, as the JSON text of the response body, and the next page's token."""

    body: str
    next_token: str | None


def read_trial_page(experiment_id: str, params: dict[str, str]) -> TrialPage:
    """Read one page of an experiment's trials with a single DynamoDB Query.

    The page contains the trials of one Query response, which DynamoDB limits to
    ``limit`` evaluated items and 1 MB. It ends earlier where its JSON text would
    exceed MAX_PAGE_BYTES, because escaped output tails can make the JSON larger
    than the stored items. The status and run filters apply after DynamoDB reads
    the page, so a page can hold fewer trials than ``limit``, even none, while
    more follow.
    """
    limit, start_key = _page_arguments(params)
    if start_key is not None and start_key.get("experiment_id", {}).get("S") != experiment_id:
        raise InvalidBody("invalid next_token: it belongs to another experiment")
    results = TrialModel.query(
        experiment_id,
        limit=limit,
        last_evaluated_key=start_key,
        filter_condition=_trial_filter(params),
        consistent_read=True,
    )
    # Only the first response is read, because iterating ``results`` would send more
    # Queries until ``limit`` trials had matched.
    response = next(results.page_iter)
    next_key = results.page_iter.last_evaluated_key
    texts: list[str] = []
    numbers: list[int] = []
    size = len("[]")
    for item in response.get("Items", []):
        trial = TrialModel.from_raw_data(item)
        # json.dumps escapes every non-ASCII character, so the text has one byte per character.
        text = json.dumps(trial_view(trial), default=str)
        added = len(text) + (len(", ") if texts else 0)
        if texts and size + added > MAX_PAGE_BYTES:
            # The next page starts after the last trial of this one.
            next_key = {
                "experiment_id": {"S": experiment_id},
                "trial_number": {"N": str(numbers[-1])},
            }
            break
        texts.append(text)
        numbers.append(int(trial.trial_number))
        size += added
    # The same text as json.dumps of the list of views.
    body = "[" + ", ".join(texts) + "]"
    return TrialPage(body=body, next_token=_encode_trials_token(next_key) if next_key else None)


def _encode_trials_token(start_key: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(start_key).encode()).decode()


def _page_arguments(params: dict[str, str]) -> tuple[int, dict | None]:
    raw_limit = params.get("limit", str(DEFAULT_PAGE_SIZE))
    try:
        limit = int(raw_limit)
    except ValueError:
        raise InvalidBody(f"invalid limit {raw_limit[:40]!r}: expected an integer") from None
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidBody(f"invalid limit {limit}: expected 1 to {MAX_PAGE_SIZE}")
    token = params.get("next_token")
    if token is None:
        return limit, None
    return limit, _decode_trials_token(token)


def _decode_trials_token(token: str) -> dict:
    """Decode a next_token of the trials listing; reject anything this API did not issue."""
    invalid = InvalidBody(
        f"invalid next_token {token[:40]!r}: use the token the last page returned"
    )
    if len(token) > MAX_NEXT_TOKEN_CHARS:
        raise invalid
    try:
        start_key = parse_json_text(base64.urlsafe_b64decode(token.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError, InvalidBody):
        raise invalid from None
    if not isinstance(start_key, dict) or set(start_key) != {"experiment_id", "trial_number"}:
        raise invalid
    experiment_part, number_part = start_key["experiment_id"], start_key["trial_number"]
    if not (
        isinstance(experiment_part, dict)
        and set(experiment_part) == {"S"}
        and isinstance(experiment_part["S"], str)
        and isinstance(number_part, dict)
        and set(number_part) == {"N"}
        and isinstance(number_part["N"], str)
        and number_part["N"].isdigit()
        and len(number_part["N"]) <= 12
    ):
        raise invalid
    return start_key


def _trial_filter(params: dict[str, str]):  # noqa: ANN202 - a PynamoDB condition or None
    condition = None
    if "status" in params:
        if params["status"] not in TRIAL_STATUSES:
            raise InvalidBody(
                f"invalid status {params['status'][:40]!r}: expected one of {list(TRIAL_STATUSES)}"
            )
        condition = TrialModel.status == params["status"]
    if "run" in params:
        try:
            run = int(params["run"])
        except ValueError:
            raise InvalidBody(f"invalid run {params['run'][:40]!r}: expected an integer") from None
        if not 1 <= run <= MAX_RUN_NUMBER:
            raise InvalidBody(f"invalid run {params['run'][:40]!r}: expected 1 to {MAX_RUN_NUMBER}")
        run_condition = TrialModel.run_number == run
        condition = run_condition if condition is None else condition & run_condition
    return condition
