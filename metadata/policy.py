"""Lakeform's deploy policies, each rule defined once and run two ways.

A rule reads a few facts about a job or a pipeline (who is told of a failed run, the timeout, the
identity it runs as, ...). The facts come either from a final row (`FactsOf.row`: what
`lakeform validate --stack S` checks, pointing at the row's file and line, before any engine
run) or from the inputs of the Databricks resource the engine is about to create or update
(`FactsOf.props`: what the policy pack in `policies/` checks, through Pulumi CrossGuard, in
`pulumi preview/up --policy-pack policies` and in `lakeform plan/up`). The rule itself, its
message and its parameters are the same object in both. A rule names the facts it reads, not
kinds: a kind's plug-in says which facts its rows give (`Kind.policy`).

Which rules run for a stack, and how (mandatory: refuses; advisory: warns and deploys), is the
stack's `lakeform:settings.policies` (`PolicySettings`); `pack_config` turns it into Pulumi's
policy configuration (`--policy-pack-config`). Property names on the resource side are the
pulumi-databricks 1.106.0 input names (its schema.json: `databricks:index/job:Job` has
`emailNotifications.onFailures`, `webhookNotifications.onFailures`, `timeoutSeconds`,
`runAs.servicePrincipalName`, `tasks[].existingClusterId`, `tags`;
`databricks:index/pipeline:Pipeline` has `development`, `tags`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from metadata.errors import Part, Pos, Problem, format_path
from metadata.models.jobs import JobRow
from metadata.models.pipelines import PipelineRow

Enforcement = Literal["mandatory", "advisory", "disabled"]

PACK_NAME = "lakeform"
"""The policy pack's name (PulumiPolicy.yaml's folder is `policies/`; PolicyPack(name=...))."""


@dataclass(frozen=True)
class JobFacts:
    """What the job rules read about one job."""

    failure_recipients: tuple[str, ...]
    """Email addresses and webhook ids told when a run fails."""
    timeout_seconds: int | None
    run_as_service_principal: str | None
    run_as_user: str | None
    all_purpose_tasks: tuple[tuple[int, str], ...]
    """(task index, task key) of tasks on an existing (all-purpose) cluster."""
    tags: Mapping[str, str]


@dataclass(frozen=True)
class PipelineFacts:
    """What the pipeline rules read about one pipeline."""

    development: bool
    tags: Mapping[str, str]


Facts = JobFacts | PipelineFacts


@dataclass(frozen=True)
class FactsOf:
    """How the rules read a kind's rows and resources: its plug-in's `Kind.policy`."""

    row: Callable[[Any], Facts]
    """A final row (its stack's defaults applied) -> its facts."""
    props: Callable[[Mapping[str, Any]], Facts]
    """The Databricks resource's inputs as the engine sends them -> the same facts."""


@dataclass(frozen=True)
class Params:
    """A rule's parameters for a stack."""

    required_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One rule broken by one row: the field (as written in a row) and why."""

    field: tuple[Part, ...]
    message: str


@dataclass(frozen=True)
class Rule:
    """One policy: its name (the same in settings, in the pack and in messages), what it asks,
    the facts it reads (so the kinds whose plug-in gives those) and the check."""

    name: str
    description: str
    reads: tuple[type[JobFacts] | type[PipelineFacts], ...]
    check: Callable[[Any, Params], Iterator[Finding]]
    parameters: tuple[str, ...] = ()
    """Names of the Params fields this rule reads (its entries in the pack's config)."""


def _notifies_on_failure(job: JobFacts, _: Params) -> Iterator[Finding]:
    if not job.failure_recipients:
        yield Finding(
            ("email_notifications", "on_failure"),
            "no one is told when a run fails; set email_notifications.on_failure (or "
            "webhook_notifications.on_failure) on the row, or lakeform:settings."
            "email_notifications for the stack",
        )


def _has_timeout(job: JobFacts, _: Params) -> Iterator[Finding]:
    if not job.timeout_seconds:  # 0 is the API's "no timeout"
        yield Finding(
            ("timeout_seconds",),
            "the job has no timeout; set timeout_seconds (a positive number of seconds)",
        )


def _runs_as_service_principal(job: JobFacts, _: Params) -> Iterator[Finding]:
    if not job.run_as_service_principal:
        who = f"user {job.run_as_user!r}" if job.run_as_user else "the identity that deploys it"
        yield Finding(
            ("run_as",),
            f"the job runs as {who}; set run_as.service_principal_name (on the row or in "
            "lakeform:settings.run_as)",
        )


def _no_all_purpose_cluster(job: JobFacts, _: Params) -> Iterator[Finding]:
    for index, key in job.all_purpose_tasks:
        yield Finding(
            ("tasks", index, "existing_cluster_id"),
            f"task {key!r} runs on an existing all-purpose cluster; use a job cluster "
            "(job_cluster_key, new_cluster) or serverless compute",
        )


def _pipeline_not_development(pipeline: PipelineFacts, _: Params) -> Iterator[Finding]:
    if pipeline.development:
        yield Finding(
            ("development",),
            "the pipeline is in development mode; remove development: true (and "
            "lakeform:settings.development for the stack)",
        )


def _required_tags(subject: JobFacts | PipelineFacts, params: Params) -> Iterator[Finding]:
    missing = [t for t in params.required_tags if not subject.tags.get(t)]
    if missing:
        yield Finding(
            ("tags",),
            f"missing required tag{'s' if len(missing) > 1 else ''} {', '.join(missing)}; add "
            "them to the row's tags or to lakeform:settings.tags",
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "job-notifies-on-failure",
        "Every job tells someone (email or webhook) when a run fails.",
        (JobFacts,),
        _notifies_on_failure,
    ),
    Rule("job-has-timeout", "Every job has a timeout.", (JobFacts,), _has_timeout),
    Rule(
        "job-runs-as-service-principal",
        "Every job runs as a service principal, not as a person.",
        (JobFacts,),
        _runs_as_service_principal,
    ),
    Rule(
        "job-no-all-purpose-cluster",
        "No job task runs on an existing all-purpose cluster.",
        (JobFacts,),
        _no_all_purpose_cluster,
    ),
    Rule(
        "pipeline-not-development",
        "No pipeline is deployed in development mode.",
        (PipelineFacts,),
        _pipeline_not_development,
    ),
    Rule(
        "required-tags",
        "Every job and pipeline carries the required tags.",
        (JobFacts, PipelineFacts),
        _required_tags,
        parameters=("required_tags",),
    ),
)
"""Every rule, once. A new rule is one function and one entry; tests/metadata/test_policy.py
fails when an entry has no case."""

RULE_NAMES: tuple[str, ...] = tuple(r.name for r in RULES)


class PolicySettings(BaseModel):
    """`lakeform:settings.policies`: which rules run for the stack, and how."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    rules: dict[str, Enforcement] = Field(default_factory=dict)
    """Rule name -> `mandatory` (the deploy is refused), `advisory` (a warning; the deploy goes
    on) or `disabled`. Rules not listed do not run."""
    required_tags: list[str] = Field(default_factory=list)
    """Tags every job and pipeline must carry (rule `required-tags`)."""

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict[str, Enforcement]) -> dict[str, Enforcement]:
        unknown = sorted(set(value) - set(RULE_NAMES))
        if unknown:
            raise ValueError(f"unknown rule {', '.join(unknown)}; known: {', '.join(RULE_NAMES)}")
        return value

    def level(self, rule: str) -> Enforcement:
        return self.rules.get(rule, "disabled")

    def params(self) -> Params:
        return Params(required_tags=tuple(self.required_tags))


def job_facts(row: JobRow) -> JobFacts:
    """The facts of a final job row."""
    email = row.email_notifications
    hooks = row.webhook_notifications
    recipients = [*(email.on_failure or [] if email else [])]
    recipients += [h.id for h in (hooks.on_failure or [] if hooks else [])]
    run_as = row.run_as
    return JobFacts(
        failure_recipients=tuple(recipients),
        timeout_seconds=row.timeout_seconds,
        run_as_service_principal=run_as.service_principal_name if run_as else None,
        run_as_user=run_as.user_name if run_as else None,
        all_purpose_tasks=tuple(
            (i, t.task_key) for i, t in enumerate(row.tasks) if t.existing_cluster_id
        ),
        tags=dict(row.tags or {}),
    )


def job_facts_from_props(props: Mapping[str, Any]) -> JobFacts:
    """The facts of a `databricks:index/job:Job`'s inputs as the engine sends them to the policy
    pack (pulumi-databricks property names; repeated blocks pluralised: `onFailures`)."""
    email = _mapping(props.get("emailNotifications"))
    hooks = _mapping(props.get("webhookNotifications"))
    run_as = _mapping(props.get("runAs"))
    recipients = [str(a) for a in _list(email.get("onFailures"))]
    recipients += [str(_mapping(h).get("id")) for h in _list(hooks.get("onFailures"))]
    tasks = [_mapping(t) for t in _list(props.get("tasks"))]
    timeout = props.get("timeoutSeconds")
    return JobFacts(
        failure_recipients=tuple(recipients),
        timeout_seconds=int(timeout) if isinstance(timeout, int | float) else None,
        run_as_service_principal=_str(run_as.get("servicePrincipalName")),
        run_as_user=_str(run_as.get("userName")),
        all_purpose_tasks=tuple(
            (i, str(t.get("taskKey"))) for i, t in enumerate(tasks) if t.get("existingClusterId")
        ),
        tags={str(k): str(v) for k, v in _mapping(props.get("tags")).items()},
    )


def pipeline_facts(row: PipelineRow) -> PipelineFacts:
    """The facts of a final pipeline row."""
    return PipelineFacts(development=bool(row.development), tags=dict(row.tags or {}))


def pipeline_facts_from_props(props: Mapping[str, Any]) -> PipelineFacts:
    """The facts of a `databricks:index/pipeline:Pipeline`'s inputs."""
    return PipelineFacts(
        development=props.get("development") is True,
        tags={str(k): str(v) for k, v in _mapping(props.get("tags")).items()},
    )


JOB_FACTS = FactsOf(row=job_facts, props=job_facts_from_props)
PIPELINE_FACTS = FactsOf(row=pipeline_facts, props=pipeline_facts_from_props)


def _mapping(value: object) -> Mapping[str, Any]:
    return cast("Mapping[str, Any]", value) if isinstance(value, Mapping) else {}


def _list(value: object) -> Sequence[Any]:
    """A list, or the pack SDK's read-only proxy of one (a Sequence, not a list)."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return cast("Sequence[Any]", value)
    return ()


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def findings(rule: Rule, facts: Facts | None, params: Params) -> list[Finding]:
    """What `rule` finds wrong with one row's facts (nothing when it does not read such facts)."""
    if facts is None or not isinstance(facts, rule.reads):
        return []
    return list(rule.check(facts, params))


@dataclass(frozen=True)
class PolicyResult:
    """One finding of one rule on one row, with its enforcement for the stack."""

    rule: str
    level: Enforcement
    kind: str
    key: str
    problem: Problem

    def __str__(self) -> str:
        return str(self.problem)


@dataclass
class PolicyReport:
    """What the stack's rules find in its rows: mandatory ones refuse, advisory ones warn."""

    results: list[PolicyResult] = field(default_factory=list[PolicyResult])

    @property
    def refusals(self) -> list[PolicyResult]:
        return [r for r in self.results if r.level == "mandatory"]

    @property
    def warnings(self) -> list[PolicyResult]:
        return [r for r in self.results if r.level == "advisory"]


PositionOf = Callable[[str, str, tuple[Part, ...]], Pos | None]
"""(kind, key, field path in the row) -> where it is written (else where the row is)."""


def check_rows(
    rows: Mapping[str, Mapping[str, BaseModel]],
    facts_of: Mapping[str, FactsOf],
    settings: PolicySettings,
    where: PositionOf,
) -> PolicyReport:
    """Run the stack's rules on its final rows (kind -> key -> row), as `lakeform validate
    --stack S` does before any engine run; `facts_of`: kind -> how the rules read its rows (the
    kinds' `Kind.policy`; kinds without one are not read)."""
    report = PolicyReport()
    params = settings.params()
    levels: dict[str, Enforcement] = {rule.name: settings.level(rule.name) for rule in RULES}
    rules = [rule for rule in RULES if levels[rule.name] != "disabled"]
    for kind, reader in facts_of.items():
        for key, row in rows.get(kind, {}).items():
            facts = reader.row(row) if rules else None
            for rule in rules:
                level = levels[rule.name]
                for found in findings(rule, facts, params):
                    problem = Problem(
                        where(kind, key, found.field),
                        format_path((kind, key, *found.field)),
                        f"policy {rule.name} ({level}): {found.message}",
                    )
                    report.results.append(PolicyResult(rule.name, level, kind, key, problem))
    report.results.sort(key=lambda r: (r.problem.pos is None, r.problem.pos or 0, r.rule))
    return report


def pack_config(settings: PolicySettings) -> dict[str, Any]:
    """Pulumi policy configuration for the pack (`--policy-pack-config FILE`): each rule's
    enforcement level for the stack, and its parameters."""
    params = settings.params()
    config: dict[str, Any] = {}
    for rule in RULES:
        entry: dict[str, Any] = {"enforcementLevel": settings.level(rule.name)}
        for name in rule.parameters:
            entry[name] = list(getattr(params, name))
        config[rule.name] = entry
    return config


def params_from_config(config: Mapping[str, Any]) -> Params:
    """A rule's Params from its entry of the pack's configuration (the other way round)."""
    tags = _list(config.get("required_tags"))
    return Params(required_tags=tuple(str(t) for t in tags))
