"""Lakeform's policy pack: each rule of metadata/policy.py as a CrossGuard resource policy.

The engine starts this through the Python language host (`python policies <engine address>`)
for `pulumi preview/up --policy-pack policies`; each Databricks job or pipeline the program
registers is checked with the same rule, message and parameters `lakeform validate --stack S`
uses on the rows. Levels and parameters come from Pulumi's policy configuration
(`--policy-pack-config`, written from the stack's lakeform:settings.policies by `lakeform
policy-config --stack S` and by `lakeform plan/up`); without one every rule is advisory.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The pack sits in the repository: its metadata package holds the rules.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from metadata.kinds import KINDS
from metadata.policy import PACK_NAME, RULES, Rule, findings, params_from_config

KIND_OF_TYPE = {entry.resource_type: kind for kind, entry in KINDS.items()}
"""Databricks resource type token -> Lakeform kind (`databricks:index/job:Job` -> jobs)."""


def _validator(rule: Rule):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        kind = KIND_OF_TYPE.get(args.resource_type)
        reader = None if kind is None else KINDS[kind].policy
        if kind is None or reader is None:
            return
        params = params_from_config(args.get_config() or {})
        for found in findings(rule, reader.props(args.props), params):
            field = ".".join(str(p) for p in found.field)
            report_violation(f"{kind}.{args.name}.{field}: {found.message}", args.urn)

    return validate


def _schema(rule: Rule) -> PolicyConfigSchema | None:
    if not rule.parameters:
        return None
    return PolicyConfigSchema(
        properties={
            name: {"type": "array", "items": {"type": "string"}} for name in rule.parameters
        }
    )


PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(
            name=rule.name,
            description=rule.description,
            validate=_validator(rule),
            config_schema=_schema(rule),
        )
        for rule in RULES
    ],
)
