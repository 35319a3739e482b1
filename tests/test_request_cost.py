"""DynamoDB calls per request, counted through botocore's event hooks."""

from __future__ import annotations

from collections import Counter

import pytest

from paropt.storage import ExperimentModel, JobModel, TrialModel
from tests.conftest import experiment_body

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


class CallCounter:
    """Counts DynamoDB operations of every model's client while it is active."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._clients = [
            model._get_connection().connection.client
            for model in (ExperimentModel, TrialModel, JobModel)
        ]

    def _count(self, model, params, **kwargs) -> None:  # noqa: ANN001, ANN003
        self.calls[model.name] += 1

    def __enter__(self) -> CallCounter:
        for client in self._clients:
            client.meta.events.register("before-call.dynamodb", self._count)
        return self

    def __exit__(self, *exc_info) -> None:  # noqa: ANN002
        for client in self._clients:
            client.meta.events.unregister("before-call.dynamodb", self._count)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(count for name, count in self.calls.items() if name in WRITES)


@pytest.fixture
def experiment_id(alice) -> str:  # noqa: ANN001
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    return experiment["id"]


def test_get_experiment_costs_one_call(alice, experiment_id) -> None:  # noqa: ANN001
    with CallCounter() as counter:
        status, _ = alice.request("GET", f"/experiments/{experiment_id}")
    assert status == 200
    assert counter.total <= 2
    assert counter.calls["GetItem"] == 1


def test_trials_page_costs_one_query(alice, experiment_id) -> None:  # noqa: ANN001
    with CallCounter() as counter:
        status, _ = alice.request("GET", f"/experiments/{experiment_id}/trials?limit=10")
    assert status == 200
    assert counter.calls["Query"] == 1
    assert counter.total <= 2


def test_start_run_costs_at_most_three_writes(alice, experiment_id) -> None:  # noqa: ANN001
    with CallCounter() as counter:
        status, _ = alice.request("POST", f"/experiments/{experiment_id}/trials", {})
    assert status == 202
    assert counter.writes <= 3


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/experiments"),
        ("GET", "/experiments"),
        ("GET", "/experiments/{id}"),
        ("GET", "/experiments/{id}/trials"),
        ("POST", "/experiments/{id}/trials"),
        ("GET", "/experiments/{id}/job"),
        ("GET", "/experiments/{id}/best"),
        ("POST", "/experiments/{id}/stop"),
        ("GET", "/jobs/running"),
    ],
)
def test_no_endpoint_scans(alice, experiment_id, method: str, path: str) -> None:  # noqa: ANN001
    body = experiment_body() if path == "/experiments" and method == "POST" else None
    with CallCounter() as counter:
        alice.request(method, path.format(id=experiment_id), body)
    assert counter.calls["Scan"] == 0
    assert counter.total >= 1
