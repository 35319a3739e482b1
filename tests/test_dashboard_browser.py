"""The dashboard in headless Chromium (Debian's /usr/bin/chromium) against a local stack.

The module starts one local stack and finishes a real grid run of a quick bash
tool, in which one trial fails and one times out. Playwright then drives the page
through the logins, the lists, the trials table and the charts, and starts and
stops a run. Screenshots go to test-artifacts/dashboard/, and each test that takes one
prints its path.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from api.chalicelib import dashboard
from infra.browser import CHROMIUM_PATH, chromium_context, log_in
from infra.local_token import local_id_token
from paropt.settings import Settings
from tests.conftest import ROOT
from tests.sdk.conftest import LocalStackProcess, start_local_stack, stop_local_stack

if not CHROMIUM_PATH.exists():
    pytest.fail(
        f"{CHROMIUM_PATH} is missing; `make test` installs it, or run `make browser`",
        pytrace=False,
    )

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route, expect  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
JOB_END_SECONDS = 90
# Milliseconds that a check of the page may wait, on a machine busy with other tests.
WAIT_MS = 20_000
# Trial 3 exits with status 3 and trial 4 outlives the 1 s timeout. The tool name and
# the categorical value are HTML, which the page must show as text.
FINISHED_EXPERIMENT = {
    "tool_name": "dashboard <img src=x id=injected-name>",
    "parameters": [
        {"name": "x", "type": "int", "minimum": 1, "maximum": 4},
        {"name": "label", "type": "categorical", "values": ["<b id=injected-value>bold</b>"]},
    ],
    "command_template_string": (
        ": ${label}; case ${x} in 3) exit 3 ;; 4) sleep 5 ;; *) sleep 0.0${x} ;; esac"
    ),
    "compute": {"type": "local"},
    "timeout": 1,
}
FINISHED_RUN = {"optimizer": {"type": "grid", "num_configs_per_param": {"x": 4, "label": 1}}}
# Its one trial outlasts the start-and-stop test.
SLOW_EXPERIMENT = {
    "tool_name": "dashboard-slow",
    "parameters": [{"name": "seconds", "type": "int", "minimum": 60, "maximum": 61}],
    "command_template_string": "sleep ${seconds}",
    "compute": {"type": "local"},
}
# A hosted UI domain on a closed loopback port. Playwright's request interception
# fulfils every request to it, so none leaves the browser.
HOSTED_DOMAIN = "127.0.0.1:9"
HOSTED_CLIENT_ID = "dashboard-client"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    stack = start_local_stack(tmp_path_factory.mktemp("dashboard-stack"))
    try:
        yield stack
    finally:
        stop_local_stack(stack)


@pytest.fixture(scope="module")
def info(stack: LocalStackProcess) -> dict[str, Any]:
    return stack.info


@pytest.fixture(scope="module")
def api(info: dict[str, Any]) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {local_id_token(info)}"
        session.headers["X-Paropt-Local-Key"] = info["local_key"]
        yield session


def _register(api: requests.Session, info: dict[str, Any], body: dict) -> str:
    response = api.post(f"{info['api_url']}/api/v1/experiments", json=body, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()["experiment_id"]


@pytest.fixture(scope="module")
def finished(api: requests.Session, info: dict[str, Any]) -> dict[str, str]:
    """Register the finished experiment, run its grid to the end and return the ids."""
    experiment_id = _register(api, info, FINISHED_EXPERIMENT)
    url = f"{info['api_url']}/api/v1/experiments/{experiment_id}/trials"
    started = api.post(url, json=FINISHED_RUN, timeout=10)
    assert started.status_code == 202, started.text
    job_id = started.json()["job"]["job_id"]
    deadline = time.monotonic() + JOB_END_SECONDS
    job = api.get(f"{info['api_url']}/api/v1/jobs/{job_id}", timeout=10).json()
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = api.get(f"{info['api_url']}/api/v1/jobs/{job_id}", timeout=10).json()
    assert job["status"] == "finished", job
    return {"experiment_id": experiment_id, "job_id": job_id}


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    with chromium_context(width=1280, height=900) as context:
        yield context


@pytest.fixture
def console_errors() -> list[str]:
    """Errors that the page logs, Content-Security-Policy violations included."""
    return []


@pytest.fixture
def page(browser: BrowserContext, console_errors: list[str]) -> Iterator[Page]:
    """A new tab, which starts logged out: the session lives in the tab's sessionStorage."""
    tab = browser.new_page()

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    tab.on("console", record)
    tab.on("pageerror", lambda error: console_errors.append(str(error)))
    yield tab
    tab.close()


def _save_screenshot(page: Page, name: str, capsys: pytest.CaptureFixture) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    with capsys.disabled():
        print(f"\nscreenshot: {path.relative_to(ROOT)}")
    return path


def _open_experiment(page: Page, info: dict[str, Any], experiment_id: str) -> None:
    page.goto(f"{info['api_url']}/#/experiments/{experiment_id}")
    expect(page.locator("#experiment-title")).to_be_visible(timeout=WAIT_MS)


def _chart_sizes(page: Page, canvas_id: str) -> list[int]:
    """Return the number of points in each dataset of the Chart.js chart on a canvas."""
    return page.evaluate(
        "(id) => Chart.getChart(document.getElementById(id)).data.datasets"
        ".map((dataset) => dataset.data.length)",
        canvas_id,
    )


def _column_texts(page: Page, column: str) -> list[str]:
    """Return the text of one column of the trials table, top to bottom."""
    return page.evaluate(
        """(column) => {
            const headers = [...document.querySelectorAll("#trials th button")];
            const index = headers.findIndex((button) => button.dataset.column === column);
            return [...document.querySelectorAll("#trials tbody tr")]
                .map((row) => row.children[index].textContent);
        }""",
        column,
    )


def _trial_numbers(page: Page) -> list[int]:
    cells = page.locator("#trials tbody tr").evaluate_all(
        "(rows) => rows.map((row) => Number(row.dataset.trialNumber))"
    )
    return list(cells)


def test_password_login_lists_experiments_and_jobs(
    page: Page, info: dict[str, Any], finished: dict[str, str], console_errors: list[str]
) -> None:
    log_in(page, info)
    expect(page.locator("#user")).to_have_text(info["username"])
    experiment_row = page.locator(
        f"#experiments tr[data-experiment-id='{finished['experiment_id']}']"
    )
    expect(experiment_row).to_contain_text(FINISHED_EXPERIMENT["tool_name"])
    expect(experiment_row).to_contain_text("not running")
    job_row = page.locator(f"#jobs tr[data-job-id='{finished['job_id']}']")
    expect(job_row).to_contain_text("finished")
    expect(job_row).to_contain_text("4/4, 2 failed")
    assert console_errors == []


def test_password_login_rejects_wrong_password(page: Page, info: dict[str, Any]) -> None:
    page.goto(f"{info['api_url']}/")
    form = page.locator("#password-login")
    form.locator("[name=username]").fill(info["username"])
    form.locator("[name=password]").fill("Wrong-password-1")
    form.locator("[name=local_key]").fill(info["local_key"])
    form.locator("button[type=submit]").click()
    expect(page.locator("#login-error")).to_contain_text("Login failed", timeout=WAIT_MS)
    expect(page.locator("#password-login")).to_be_visible()
    assert page.locator("#user").is_hidden()


@pytest.mark.parametrize("local_key", ["wrong-key", "k" * 70_000])
def test_wrong_local_key_returns_to_login(page: Page, info: dict[str, Any], local_key: str) -> None:
    page.goto(f"{info['api_url']}/")
    form = page.locator("#password-login")
    form.locator("[name=username]").fill(info["username"])
    form.locator("[name=password]").fill(info["password"])
    form.locator("[name=local_key]").fill(local_key)
    form.locator("button[type=submit]").click()
    expect(page.locator("#login-error")).to_contain_text(
        "The API rejected the session", timeout=WAIT_MS
    )
    expect(page.locator("#password-login")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_token_login_and_logout(page: Page, info: dict[str, Any]) -> None:
    page.goto(f"{info['api_url']}/")
    form = page.locator("#token-login")
    form.locator("[name=id_token]").fill(local_id_token(info))
    form.locator("[name=local_key]").fill(info["local_key"])
    form.locator("button[type=submit]").click()
    expect(page.locator("#experiments")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#user")).to_have_text(info["username"])

    page.locator("#logout").click()
    expect(page.locator("#token-login")).to_be_visible()
    page.reload()
    expect(page.locator("#token-login")).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("sessionStorage.length") == 0


def test_finished_run_shows_trials_and_charts(
    page: Page,
    info: dict[str, Any],
    finished: dict[str, str],
    console_errors: list[str],
    capsys: pytest.CaptureFixture,
) -> None:
    log_in(page, info)
    page.locator(f"#experiments a[href='#/experiments/{finished['experiment_id']}']").click()
    expect(page.locator("#experiment-title")).to_have_text(FINISHED_EXPERIMENT["tool_name"])

    rows = page.locator("#trials tbody tr")
    expect(rows).to_have_count(4, timeout=WAIT_MS)
    assert _trial_numbers(page) == [1, 2, 3, 4]
    failed = page.locator("#trials tr[data-trial-number='3']")
    expect(failed).to_have_class(re.compile(r"\btrial-failed\b"))
    expect(failed).to_contain_text("failed")
    timed_out = page.locator("#trials tr[data-trial-number='4']")
    expect(timed_out).to_have_class(re.compile(r"\btrial-timed-out\b"))
    expect(timed_out).to_contain_text("timed out")
    expect(page.locator("#trials tr.trial-best")).to_have_count(1)
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    expect(page.locator("#runs")).to_contain_text("finished")
    expect(page.locator("#start-run")).to_be_visible()

    # Objective by trial: two successful points, the running best after each, two crosses.
    assert _chart_sizes(page, "objective-chart") == [2, 2, 2]
    # One chart per searched parameter (x, label): two points and two crosses each.
    assert _chart_sizes(page, "parameter-chart-0") == [2, 2]
    assert _chart_sizes(page, "parameter-chart-1") == [2, 2]
    expect(page.locator("#parallel polyline")).to_have_count(4)
    expect(page.locator("#parallel polyline.pc-failed")).to_have_count(2)
    expect(page.locator("#parallel polyline.pc-best")).to_have_count(1)

    _save_screenshot(page, "finished-run.png", capsys)
    assert console_errors == []


def test_trials_table_sorts_by_outcome(
    page: Page, info: dict[str, Any], finished: dict[str, str]
) -> None:
    log_in(page, info)
    _open_experiment(page, info, finished["experiment_id"])
    expect(page.locator("#trials tbody tr")).to_have_count(4, timeout=WAIT_MS)
    outcomes = _column_texts(page, "outcome")
    assert outcomes[2:] == ["–", "–"]

    header = page.locator("#trials th:has(button[data-column='outcome'])")
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    ascending = _trial_numbers(page)
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    descending = _trial_numbers(page)
    assert set(ascending[:2]) == {1, 2}
    assert ascending[2:] == [3, 4]
    assert descending[:2] == ascending[:2][::-1]
    # Trials without an outcome stay last in both orders.
    assert descending[2:] == [3, 4]


def test_api_values_are_shown_as_text(
    page: Page, info: dict[str, Any], finished: dict[str, str]
) -> None:
    log_in(page, info)
    _open_experiment(page, info, finished["experiment_id"])
    expect(page.locator("#trials tbody tr")).to_have_count(4, timeout=WAIT_MS)
    value = FINISHED_EXPERIMENT["parameters"][1]["values"][0]
    expect(page.locator("#trials tbody tr").first).to_contain_text(value)
    expect(page.locator(".parameters")).to_contain_text(value)
    assert page.locator("#injected-name").count() == 0
    assert page.locator("#injected-value").count() == 0


def test_start_and_stop_run(
    page: Page,
    info: dict[str, Any],
    api: requests.Session,
    console_errors: list[str],
    capsys: pytest.CaptureFixture,
) -> None:
    experiment_id = _register(api, info, SLOW_EXPERIMENT)
    log_in(page, info)
    _open_experiment(page, info, experiment_id)
    expect(page.locator("#runs")).to_have_text("No runs yet.")

    page.locator("#optimizer").select_option("random")
    request = {"optimizer": {"type": "random", "n_trials": 1, "seed": 1}}
    page.locator("#run-request").fill(json.dumps(request))
    page.locator("#start-button").click()

    # The page polls while the job is active, so it goes from queued to running by itself.
    active = page.locator("#active-job")
    expect(active).to_contain_text("running", timeout=WAIT_MS * 2)
    expect(page.locator("#start-run")).to_be_hidden()
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    _save_screenshot(page, "running.png", capsys)

    page.locator("#stop-button").click()
    expect(page.locator("#start-run")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#runs tbody tr").first).to_contain_text("stopped")
    job = api.get(f"{info['api_url']}/api/v1/jobs/stopped", timeout=10).json()
    assert [item["experiment_id"] for item in job].count(experiment_id) == 1
    assert console_errors == []


def _hosted_settings(info: dict[str, Any]) -> Settings:
    """Return the settings of a deployed stage whose hosted UI is at HOSTED_DOMAIN."""
    return Settings(
        region=info["region"],
        aws_endpoint_url=None,
        experiments_table="",
        trials_table="",
        jobs_table="",
        state_machine_arn="",
        heartbeat_seconds=60,
        job_timeout_seconds=3600,
        auth_mode="gateway",
        jwks_url=None,
        token_issuer=None,
        client_id=None,
        local_key=None,
        auth_domain=HOSTED_DOMAIN,
        dashboard_client_id=HOSTED_CLIENT_ID,
    )


def test_hosted_ui_login_uses_pkce(page: Page, info: dict[str, Any]) -> None:
    """Log in through a hosted UI that Playwright plays, as on a deployed stage."""
    base = info["api_url"]
    settings = _hosted_settings(info)
    seen: dict[str, Any] = {}

    def serve_page(route: Route) -> None:
        # The page as a deployed stage sends it, with that stage's policy. The
        # request goes without If-None-Match, so the response has a body to change.
        request_headers = {
            name: value for name, value in route.request.headers.items() if name != "if-none-match"
        }
        response = route.fetch(headers=request_headers)
        headers = {**response.headers}
        headers["content-security-policy"] = dashboard.content_security_policy(settings)
        route.fulfill(response=response, headers=headers)

    def serve_login_settings(route: Route) -> None:
        route.fulfill(json=dashboard.login_settings(settings))

    def add_local_key(route: Route) -> None:
        # The local stack needs its key; a deployed stage would not.
        headers = {**route.request.headers, "x-paropt-local-key": info["local_key"]}
        route.continue_(headers=headers)

    def authorize(route: Route) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        seen["authorize"] = {name: values[0] for name, values in query.items()}
        route.fulfill(body="the hosted UI", content_type="text/plain")

    def token(route: Route) -> None:
        seen["token"] = {
            name: values[0] for name, values in parse_qs(route.request.post_data or "").items()
        }
        body = {"id_token": local_id_token(info), "refresh_token": "a-refresh-token"}
        route.fulfill(json=body, headers={"Access-Control-Allow-Origin": base})

    def logout(route: Route) -> None:
        seen["logout"] = route.request.url
        route.fulfill(body="logged out", content_type="text/plain")

    hosted = re.escape(f"https://{HOSTED_DOMAIN}")
    page.route(lambda url: url.startswith(f"{base}/") and urlsplit(url).path == "/", serve_page)
    page.route(f"{base}/login-settings", serve_login_settings)
    page.route(f"{base}/api/v1/**", add_local_key)
    page.route(re.compile(rf"^{hosted}/oauth2/authorize\?"), authorize)
    page.route(re.compile(rf"^{hosted}/oauth2/token$"), token)
    page.route(re.compile(rf"^{hosted}/logout\?"), logout)

    page.goto(f"{base}/")
    assert page.locator("#password-login").count() == 0
    page.locator("#hosted-login").click()
    page.wait_for_url(re.compile(rf"^{hosted}/oauth2/authorize\?"), timeout=WAIT_MS)
    # The hosted UI sends the browser back with a code. Playwright does not route the
    # target of an intercepted redirect, so the test opens the callback URL itself.
    state = seen["authorize"]["state"]
    page.goto(f"{base}/?code=the-code&state={state}")
    expect(page.locator("#experiments")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#user")).to_have_text(info["username"])
    assert "code=" not in page.url

    authorize_query = seen["authorize"]
    assert authorize_query["response_type"] == "code"
    assert authorize_query["client_id"] == HOSTED_CLIENT_ID
    assert authorize_query["redirect_uri"] == f"{base}/"
    assert authorize_query["scope"] == "openid"
    assert authorize_query["code_challenge_method"] == "S256"
    token_form = seen["token"]
    assert token_form["grant_type"] == "authorization_code"
    assert token_form["code"] == "the-code"
    assert token_form["client_id"] == HOSTED_CLIENT_ID
    assert token_form["redirect_uri"] == f"{base}/"
    digest = hashlib.sha256(token_form["code_verifier"].encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert authorize_query["code_challenge"] == challenge

    page.locator("#logout").click()
    page.wait_for_url(re.compile(rf"^{hosted}/logout\?"), timeout=WAIT_MS)
    page.goto(f"{base}/")
    expect(page.locator("#hosted-login")).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("sessionStorage.getItem('paropt.session')") is None
    logout_query = parse_qs(urlsplit(seen["logout"]).query)
    assert logout_query["client_id"] == [HOSTED_CLIENT_ID]
    assert logout_query["logout_uri"] == [f"{base}/"]
