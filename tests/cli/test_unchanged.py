"""cli/unchanged.py without an engine: what a shard's fingerprint covers (its rows, the rows and
states it names, the settings, the program), and that a record is trusted only while the files
its program uploaded are as it read them. tests/e2e/test_unchanged_shards.py runs it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cli.engine import Engine
from cli.shards import Environment, environment
from cli.unchanged import Book, Stacks, fingerprints
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
