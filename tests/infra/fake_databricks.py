"""A recording stand-in for the Databricks REST endpoints scripts/ops.py calls: not Databricks.

A test describes the workspace as data: jobs (scheduled, or continuous and paused or not), runs
with the states each `runs/get` poll walks them through, SQL warehouses, and statements with the
states each poll walks them through, then their rows or error. Every request is recorded
(method, path, query, body) for the test to assert on. Only the paths databricks-sdk 0.162.0
calls are served (jobs on /api/2.2, SQL on /api/2.0), paged the way the real API pages; any
other path, or anything the test did not set up, is an error in Databricks' shape, which the SDK
does not retry.

Use it from a test module with `pytest_plugins = ["tests.infra.fake_databricks"]` and the
`fake_databricks` fixture: a started fake that the SDK's environment variables point at.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

RUN_ENDED = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: dict | None


@dataclass
class Walk:
    """States served one per poll; the last one repeats."""

    states: list[str]
    polls: int = 0

    def now(self) -> str:
        return self.states[min(self.polls, len(self.states) - 1)]

    def poll(self) -> str:
        state = self.now()
        self.polls += 1
        return state


@dataclass
class Run:
    run_id: int
    job_id: int
    walk: Walk

    def json(self, state: str) -> dict:
        """A state such as "TERMINATED SUCCESS": life cycle state, then result state."""
        life, _, result = state.partition(" ")
        run_state = {"life_cycle_state": life, **({"result_state": result} if result else {})}
        return {"run_id": self.run_id, "job_id": self.job_id, "state": run_state}


@dataclass
class Statement:
    statement_id: str
    walk: Walk
    rows: list[list[str]] | None
    error: str | None

    def json(self, state: str) -> dict:
        status: dict = {"state": state}
        if state == "FAILED":
            status["error"] = {"error_code": "BAD_REQUEST", "message": self.error or ""}
        body = {"statement_id": self.statement_id, "status": status}
        if state == "SUCCEEDED":
            body["result"] = {"data_array": self.rows or []}
        return body


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class FakeDatabricks:
    def __init__(self) -> None:
        self.jobs: list[dict] = []
        self.run_now_states: dict[int, list[str]] = {}
        self.runs: list[Run] = []  # newest first, as runs/list orders them
        self.warehouses: list[dict] = []
        self.statements: list[Statement] = []
        self.executed = 0
        self.requests: list[Request] = []
        self._server: HTTPServer | None = None

    # --- the workspace, as data

    def add_job(self, job_id: int, name: str, *, continuous: str | None = None, run_now=()):
        """continuous: None (scheduled), "PAUSED" or "UNPAUSED"; run_now: the states of the run
        that run-now starts."""
        settings: dict = {"name": name, "max_concurrent_runs": 1}
        if continuous:
            settings["continuous"] = {"pause_status": continuous}
        else:
            settings["schedule"] = {"quartz_cron_expression": "0 0/30 * * * ?"}
        self.jobs.append({"job_id": job_id, "settings": settings})
        self.run_now_states[job_id] = list(run_now)

    def add_run(self, job_id: int, *states: str) -> int:
        """A run newer than those added before it; states like "RUNNING", "TERMINATED SUCCESS"."""
        run_id = 1000 + len(self.runs)
        self.runs.insert(0, Run(run_id, job_id, Walk(list(states))))
        return run_id

    def add_warehouse(self, warehouse_id: str, name: str) -> None:
        self.warehouses.append({"id": warehouse_id, "name": name, "state": "STOPPED"})

    def add_statement(self, *states: str, rows=None, error: str | None = None) -> None:
        """The next statement executed: the execute call answers its first state, each poll the
        next; SUCCEEDED carries `rows`, FAILED carries `error`."""
        statement_id = f"stmt-{len(self.statements) + 1}"
        self.statements.append(Statement(statement_id, Walk(list(states)), rows, error))

    def calls(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # --- the endpoints

    def handle(self, method: str, path: str, query: dict[str, str], body: dict | None) -> dict:
        if path == "/.well-known/databricks-config":
            return {}  # no host metadata: the SDK keeps its explicit configuration
        statement_id, _, action = path.removeprefix("/api/2.0/sql/statements/").partition("/")
        if path.startswith("/api/2.0/sql/statements/") and (method, action) == ("GET", ""):
            statement = self._statement(statement_id)
            return statement.json(statement.walk.poll())
        if path.startswith("/api/2.0/sql/statements/") and (method, action) == ("POST", "cancel"):
            self._statement(statement_id).walk = Walk(["CANCELED"])
            return {}
        route = {
            ("GET", "/api/2.2/jobs/list"): self._jobs_list,
            ("GET", "/api/2.2/jobs/get"): self._jobs_get,
            ("POST", "/api/2.2/jobs/run-now"): self._run_now,
            ("GET", "/api/2.2/jobs/runs/get"): self._runs_get,
            ("GET", "/api/2.2/jobs/runs/list"): self._runs_list,
            ("GET", "/api/2.0/sql/warehouses"): self._warehouses_list,
            ("POST", "/api/2.0/sql/statements"): self._execute,
        }.get((method, path))
        if route is None:
            raise ApiError(404, "ENDPOINT_NOT_FOUND", f"the fake does not serve {method} {path}")
        return route(query, body or {})

    def _jobs_list(self, query, _body):
        name = query.get("name", "").lower()
        found = [j for j in self.jobs if not name or j["settings"]["name"].lower() == name]
        return page(found, "jobs", query, default=20)

    def _jobs_get(self, query, _body):
        return self._job(int(query["job_id"]))

    def _run_now(self, _query, body):
        job_id = self._job(body["job_id"])["job_id"]
        if not self.run_now_states[job_id]:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"the test gave job {job_id} no run_now")
        return {"run_id": self.add_run(job_id, *self.run_now_states[job_id])}

    def _runs_get(self, query, _body):
        run_id = int(query["run_id"])
        for run in self.runs:
            if run.run_id == run_id:
                return run.json(run.walk.poll())
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Run {run_id} does not exist.")

    def _runs_list(self, query, _body):
        runs = [r for r in self.runs if "job_id" not in query or str(r.job_id) == query["job_id"]]
        if query.get("active_only") == "true":
            runs = [r for r in runs if r.walk.now().split()[0] not in RUN_ENDED]
        return page([r.json(r.walk.now()) for r in runs], "runs", query, default=20)

    def _warehouses_list(self, query, _body):
        return page(self.warehouses, "warehouses", query, default=None)

    def _execute(self, _query, _body):
        if self.executed == len(self.statements):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "the test added no further statement")
        statement = self.statements[self.executed]
        self.executed += 1
        return statement.json(statement.walk.poll())

    def _job(self, job_id: int) -> dict:
        for job in self.jobs:
            if job["job_id"] == job_id:
                return job
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Job {job_id} does not exist.")

    def _statement(self, statement_id: str) -> Statement:
        for statement in self.statements[: self.executed]:
            if statement.statement_id == statement_id:
                return statement
        raise ApiError(404, "NOT_FOUND", f"statement {statement_id} not found")

    # --- the server

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeDatabricks:
        self._server = HTTPServer(("127.0.0.1", 0), handler(self))
        threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True).start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def page(items: list[dict], key: str, query: dict[str, str], default: int | None) -> dict:
    """Items from `page_token` on, `limit` (or `page_size`) of them, as the real API pages;
    `default` is the page size when the request names none (None: everything)."""
    asked = query.get("limit") or query.get("page_size")
    start = int(query.get("page_token", 0))
    size = int(asked) if asked else default
    end = len(items) if size is None else start + size
    body: dict = {key: items[start:end]}
    if end < len(items):
        body["next_page_token"] = str(end)
    return body


def handler(fake: FakeDatabricks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            query = dict(parse_qsl(url.query))
            fake.requests.append(Request(self.command, url.path, query, body))
            try:
                status, answer = 200, fake.handle(self.command, url.path, query, body)
            except ApiError as exc:
                status, answer = exc.status, {"error_code": exc.code, "message": str(exc)}
            except Exception as exc:  # an answer: the SDK retries a dropped connection for 5 min
                status, answer = 500, {"error_code": "INTERNAL_ERROR", "message": repr(exc)}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *_args) -> None:
            pass

    return Handler


@pytest.fixture
def fake_databricks(monkeypatch):
    """A started fake. DATABRICKS_HOST and DATABRICKS_TOKEN point the SDK at it; every other SDK
    setting in the environment (a profile, Azure or OAuth credentials) is removed, and no proxy
    stands between the SDK and 127.0.0.1."""
    from databricks.sdk.config import Config

    for attr in Config.attributes():
        if attr.env:
            monkeypatch.delenv(attr.env, raising=False)
    with FakeDatabricks() as fake:
        monkeypatch.setenv("DATABRICKS_HOST", fake.url)
        monkeypatch.setenv("DATABRICKS_TOKEN", "fake-token")
        for bypass in ("NO_PROXY", "no_proxy"):
            monkeypatch.setenv(bypass, "127.0.0.1")
        yield fake
