"""cli/unchanged.py without an engine: what a shard's fingerprint covers (its rows, the rows and
states it names, the settings, the program), and that a record is trusted only while the files
its program uploaded are as it read them. tests/e2e/test_unchanged_shards.py runs it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.engine import Engine, Run
from cli.shards import Environment, environment
from cli.unchanged import (
    STACK_REFERENCE,
    Book,
    Stacks,
    fingerprints,
    for_up_to_date,
    up_to_date,
)
from metadata.shards import record_reads

PROGRAM = Path(__file__).resolve().parents[1] / "e2e" / "programs" / "sharded"
REPO = Path(__file__).resolve().parents[2]
FINANCE, MARKETING = "e2e.finance", "e2e.marketing"
STATES = Stacks(digests={FINANCE: "f1", MARKETING: "m1"}, existing={FINANCE: 1, MARKETING: 2})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """tests/e2e/programs/sharded (shards finance and marketing; marketing's job runs finance's
    ledger) with the repository's Pulumi.yaml."""
    root = tmp_path / "program"
    shutil.copytree(PROGRAM, root)
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    return root


def env_of(root: Path) -> tuple[Environment, Engine]:
    env = environment(root, "e2e")
    assert env is not None
    return env, Engine(root, FINANCE)


def prints(root: Path, states: Stacks = STATES) -> dict[str, str]:
    env, engine = env_of(root)
    return fingerprints(env, engine, states)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_changed_row_changes_its_shards_fingerprint_only(project: Path) -> None:
    before = prints(project)
    assert before == prints(project)  # deterministic
    edit(project / "resources" / "finance" / "jobs.yaml", "name: Ledger", "name: Ledger 2")
    after = prints(project)
    assert after[FINANCE] != before[FINANCE]
    assert after[MARKETING] == before[MARKETING]


def test_a_state_changes_its_shard_and_the_shards_naming_it(project: Path) -> None:
    before = prints(project)
    finance_moved = prints(project, Stacks({FINANCE: "f2", MARKETING: "m1"}, STATES.existing))
    assert finance_moved[FINANCE] != before[FINANCE]
    assert finance_moved[MARKETING] != before[MARKETING]  # campaigns runs ledger: its outputs
    marketing_moved = prints(project, Stacks({FINANCE: "f1", MARKETING: "m2"}, STATES.existing))
    assert marketing_moved[FINANCE] == before[FINANCE]  # finance names nothing of marketing
    assert marketing_moved[MARKETING] != before[MARKETING]


def test_settings_and_the_program_change_every_shard(project: Path) -> None:
    before = prints(project)
    stack_file = project / "Pulumi.e2e.yaml"
    doc = yaml.safe_load(stack_file.read_text())
    doc["config"]["lakeform:settings"]["workspace_root"] = "/Workspace/Shared/other"
    stack_file.write_text(yaml.safe_dump(doc))
    after = prints(project)
    assert all(after[s] != before[s] for s in (FINANCE, MARKETING))
    (project / "__main__.py").write_text("# another program\n")
    assert all(prints(project)[s] != after[s] for s in (FINANCE, MARKETING))


def test_a_record_holds_while_the_uploaded_files_are_as_read(project: Path) -> None:
    env, engine = env_of(project)
    sql = project / "src" / "reports.sql"
    record_reads(project, MARKETING, {"src/reports.sql": sql.read_bytes()}, {})
    record_reads(project, FINANCE, {}, {"src/*.py": ["src/ingest.py"]})
    Book(env, engine).record(STATES, [FINANCE, MARKETING], "up")

    found = Book(env, engine).unchanged(STATES, [FINANCE, MARKETING])
    assert sorted(found) == [FINANCE, MARKETING]
    assert found[FINANCE].startswith("its last up at ")

    edit(sql, "SELECT 1", "SELECT 2")  # marketing's pipeline uploads it
    assert sorted(Book(env, engine).unchanged(STATES, [FINANCE, MARKETING])) == [FINANCE]
    (project / "src" / "extra.py").write_text("print(1)\n")  # a new match of finance's glob
    assert Book(env, engine).unchanged(STATES, [FINANCE, MARKETING]) == {}


def test_no_record_without_what_the_program_read(project: Path) -> None:
    env, engine = env_of(project)
    Book(env, engine).record(STATES, [FINANCE], "plan")  # no reads file: that run's unknown
    assert Book(env, engine).unchanged(STATES, [FINANCE]) == {}


def test_a_stack_whose_policies_run_is_always_previewed(project: Path) -> None:
    env, _ = env_of(project)
    assert Book.applies(env)
    stack_file = project / "Pulumi.e2e.yaml"
    doc = yaml.safe_load(stack_file.read_text())
    doc["config"]["lakeform:settings"]["policies"] = {"rules": {"job-has-timeout": "advisory"}}
    stack_file.write_text(yaml.safe_dump(doc))
    env, _ = env_of(project)
    assert not Book.applies(env)


# --- for_up_to_date: what a sharded `up` keeps of each shard's preview until its update ---

REF_URN = "urn:pulumi:prod.a::lakeform::pulumi:pulumi:StackReference::prod.b"


def _step(op: str, urn: str, kind: str, old: Any = None, new: Any = None) -> dict[str, Any]:
    def state(outputs: Any) -> dict[str, Any] | None:
        if outputs is None:
            return None
        inputs = {"name": "organization/lakeform/prod.b"} if kind == STACK_REFERENCE else {}
        return {"type": kind, "parent": "", "protect": False, "inputs": inputs, "outputs": outputs}

    return {"op": op, "urn": urn, "type": kind, "old": state(old), "new": state(new),
            "keys": [], "diffs": []}  # fmt: skip


JOB = "databricks:index/job:Job"
OUT_B = {"outputs": {"jobs": {"x": {"id": "1"}}}}
OUT_B2 = {"outputs": {"jobs": {"x": {"id": "2"}}}}
SAME_JOB = _step(
    "same", "urn:pulumi:prod.a::lakeform::databricks:index/job:Job::j", JOB, {"a": 1}, {"a": 1}
)
REFRESHED_JOB = _step("refresh", SAME_JOB["urn"], JOB, {"a": 1}, {"a": 1})
DRIFTED_JOB = _step("refresh", SAME_JOB["urn"], JOB, {"a": 1}, {"a": 2})
NEW_JOB = _step("create", "urn:pulumi:prod.a::lakeform::databricks:index/job:Job::k", JOB, None, {})
READ_REF = _step("read", REF_URN, STACK_REFERENCE, OUT_B, OUT_B)
CHANGED_REF = _step("read", REF_URN, STACK_REFERENCE, OUT_B, OUT_B2)

RUNS = {
    "nothing": Run(),
    "every step the same": Run(steps=[SAME_JOB] * 3, done=[REFRESHED_JOB]),
    "a refresh found drift": Run(steps=[SAME_JOB], done=[REFRESHED_JOB, DRIFTED_JOB]),
    "a new row": Run(steps=[SAME_JOB, NEW_JOB, SAME_JOB], done=[REFRESHED_JOB]),
    "a quiet read of another shard": Run(steps=[SAME_JOB, READ_REF], done=[READ_REF]),
    "a read of another shard's new outputs": Run(steps=[READ_REF], done=[CHANGED_REF]),
    "a read and a new row": Run(steps=[READ_REF, NEW_JOB, SAME_JOB], done=[READ_REF]),
}
DEPLOYED: dict[str, dict[str, dict[str, Any]]] = {
    "no other stack deployed": {},
    "prod.b deployed as read": {"prod.b": OUT_B["outputs"]},
    "prod.b deployed with a new id": {"prod.b": OUT_B2["outputs"]},
}


@pytest.mark.parametrize("deployed", DEPLOYED.values(), ids=DEPLOYED.keys())
@pytest.mark.parametrize("run", RUNS.values(), ids=RUNS.keys())
def test_what_up_keeps_of_a_preview_answers_as_the_whole_preview(
    run: Run, deployed: dict[str, dict[str, Any]]
) -> None:
    slim = for_up_to_date(run)
    assert up_to_date(slim, deployed) == up_to_date(run, deployed)
    assert len(slim.steps) + len(slim.done) <= 4  # neither the same nor the refreshed rows


def test_the_cases_above_cover_both_answers() -> None:
    answers = {up_to_date(r, d) for r in RUNS.values() for d in DEPLOYED.values()}
    assert answers == {True, False}
