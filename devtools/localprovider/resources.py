"""The six resource types: what the real provider sends, waits for, reads back and compares.

Each behaviour cites the provider's source through devtools/localprovider/README.md's contract
table."""

from __future__ import annotations

import base64
import contextlib
import posixpath
import re
import time
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from components import names
from components.names import Fields, from_rest, to_rest
from devtools.localprovider.client import Client, NotFound
from devtools.localprovider.diff import Differ, absent_in_config, absent_or_default, empty
from devtools.localprovider.wire import UNKNOWN, is_unknown

Props = dict[str, Any]


class ResourceError(Exception):
    """A create/update/delete that the workspace refused or that did not settle."""


class Kind:
    """One resource type. Subclasses set `token` and override the API calls."""

    token: str
    not_sent: frozenset[str] = frozenset({"providerConfig"})
    """Wire inputs that are the provider's alone (or server-filled): never in a request body."""
    computed: frozenset[str] = frozenset()
    """Wire inputs the workspace fills: no diff when the configuration leaves them out."""
    defaults: ClassVar[Mapping[str, Any]] = {}
    """Top-level defaults Check fills in, as the provider schema's `Default`s."""

    def __init__(self) -> None:
        table = names.table()["resources"][self.token]
        self.fields: Fields = table["inputs"]
        self.outputs: Mapping[str, str] = table["outputs"]
        self.differ = Differ(
            self.fields,
            suppress={
                **{name: absent_in_config for name in self.computed | self.not_sent},
                **self.suppressions(),
            },
            replace=self.forces_replace,
        )

    # What Check and Diff use.
    def suppressions(self) -> dict[str, Any]:
        return {}

    def forces_replace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str]:
        del olds, news
        return set()

    def check(self, news: Props) -> Props:
        return {**{k: v for k, v in self.defaults.items() if k not in news}, **news}

    def failures(self, news: Props) -> list[tuple[str, str]]:
        """(property, reason) for inputs the provider refuses at Check (none by default)."""
        del news
        return []

    def diff(self, olds: Props, news: Props) -> dict[str, str]:
        """Changed paths -> kind, as Diff reports them (see localprovider.diff)."""
        return self.differ.diff(olds, news)

    def body(self, props: Mapping[str, Any]) -> dict[str, Any]:
        sent = {k: v for k, v in props.items() if k not in self.not_sent | self.computed}
        return to_rest(self.fields, sent)

    def preview(self, news: Props, olds: Props | None) -> Props:
        """What Create/Update report during preview: inputs, computed outputs kept or unknown."""
        state = dict(news)
        for name in [*self.outputs, *self.computed]:
            if name not in state:
                state[name] = olds[name] if olds and name in olds else UNKNOWN
        return state

    # The API calls.
    def create(self, client: Client, news: Props) -> tuple[str, Props]:
        raise NotImplementedError

    def read(self, client: Client, id_: str, olds: Props) -> Props | None:
        """The resource as the workspace holds it, or None when it is gone."""
        raise NotImplementedError

    def update(self, client: Client, id_: str, olds: Props, news: Props) -> Props:
        raise NotImplementedError

    def delete(self, client: Client, id_: str, olds: Props) -> None:
        raise NotImplementedError

    def inputs_of(self, state: Props) -> Props:
        """The inputs a refresh or import records: the state without outputs."""
        return {k: v for k, v in state.items() if k in self.fields and k not in self.not_sent}


DEFAULT_STORAGE = re.compile(
    r"^dbfs:/pipelines/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
"""The storage the service fills in when none is given (pipelines suppressStorageDiff)."""


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _sorted_tasks(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Tasks and each task's depends_on sorted by task_key, as the provider sends and reads them."""
    tasks = settings.get("tasks")
    if not isinstance(tasks, list):
        return dict(settings)
    ordered: list[dict[str, Any]] = []
    for task in sorted(tasks, key=lambda t: t.get("task_key", "")):  # pyright: ignore[reportUnknownVariableType,reportUnknownArgumentType,reportUnknownLambdaType]
        deps = task.get("depends_on")  # pyright: ignore[reportUnknownMemberType,reportUnknownVariableType]
        if isinstance(deps, list):
            task = {**task, "depends_on": sorted(deps, key=lambda d: d["task_key"])}  # pyright: ignore[reportUnknownLambdaType,reportUnknownArgumentType]
        ordered.append(task)  # pyright: ignore[reportUnknownArgumentType]
    return {**settings, "tasks": ordered}


WEBHOOK_LISTS = (
    "on_start",
    "on_failure",
    "on_success",
    "on_duration_warning_threshold_exceeded",
    "on_streaming_backlog_exceeded",
)


def _sorted_webhooks(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The job's and each task's webhook_notifications lists sorted by id, as the provider's
    sortWebhookNotifications does on create and read (not on update)."""

    def by_id(block: Any) -> Any:
        if not isinstance(block, dict):
            return block
        return {
            k: sorted(v, key=lambda w: str(w.get("id", "")))  # pyright: ignore[reportUnknownLambdaType,reportUnknownArgumentType]
            if k in WEBHOOK_LISTS and isinstance(v, list)
            else v
            for k, v in block.items()  # pyright: ignore[reportUnknownVariableType]
        }

    out = dict(settings)
    if "webhook_notifications" in out:
        out["webhook_notifications"] = by_id(out["webhook_notifications"])
    tasks = out.get("tasks")
    if isinstance(tasks, list):
        out["tasks"] = [
            {**t, "webhook_notifications": by_id(t["webhook_notifications"])}
            if isinstance(t, dict) and "webhook_notifications" in t
            else t
            for t in tasks  # pyright: ignore[reportUnknownVariableType]
        ]
    return out


# Check failures in the words of terraform-plugin-sdk v2, which the provider's schema is built on
# (devtools/localprovider/README.md, "Check: schema"); each takes the provider's (Terraform) key.
def _conflicts(
    news: Mapping[str, Any], rules: Mapping[str, tuple[tuple[str, str], ...]]
) -> list[tuple[str, str]]:
    """ConflictsWith: wire path -> (wire path, Terraform key) of what it conflicts with, in the
    schema's order. A value not known yet conflicts with nothing (the SDK skips it)."""
    found: list[tuple[str, str]] = []
    for path, others in rules.items():
        if not _given(_at(news, path)):
            continue
        for other, tf_other in others:
            if _given(_at(news, other)):
                found.append((path, f'"{_tf_key(path)}": conflicts with {tf_other}'))
                break
    return found


def _min_items(path: str, tf_key: str, value: Any) -> list[tuple[str, str]]:
    """MinItems 1 on a list given empty."""
    if isinstance(value, list) and not value:
        return [
            (
                path,
                f"Not enough list items: Attribute {tf_key} requires 1 item minimum, but config "
                "has only 0 declared.",
            )
        ]
    return []


_TF_KEYS = {
    "gitSource.branch": "git_source.0.branch",
    "gitSource.tag": "git_source.0.tag",
    "gitSource.commit": "git_source.0.commit",
}


def _tf_key(path: str) -> str:
    return _TF_KEYS.get(path, path)


def _at(props: Mapping[str, Any], path: str) -> Any:
    value: Any = props
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None  # pyright: ignore[reportUnknownMemberType]
    return value


def _given(value: Any) -> bool:
    return not empty(value) and value != "" and not is_unknown(value)


# ---------------------------------------------------------------------------------------------
class Job(Kind):
    token = "databricks:index/job:Job"
    not_sent = frozenset({"providerConfig", "alwaysRunning", "controlRunState"})
    defaults: ClassVar[Mapping[str, Any]] = {"name": "Untitled", "maxConcurrentRuns": 1}

    def suppressions(self) -> dict[str, Any]:
        return {
            "queue": absent_in_config,  # the provider sends {enabled: false} when unset
            "format": absent_in_config,  # MULTI_TASK, set by the provider
            "*emailNotifications": absent_in_config,
            "*webhookNotifications": absent_in_config,
            # conditionalDiffSuppressor: a list's count going to 0 is suppressed, so removing
            # the last address shows no diff and the job keeps it.
            "*emailNotifications.on*": absent_in_config,
            "*.source": absent_in_config,
            "tasks[].runIf": absent_or_default("ALL_SUCCESS"),
            "*.pauseStatus": absent_or_default("UNPAUSED"),
            "runAs": absent_in_config,  # read back from run_as_user_name
        }

    def check(self, news: Props) -> Props:
        checked = super().check(news)
        for block in ("schedule", "continuous", "trigger"):
            value = checked.get(block)
            if isinstance(value, dict) and "pauseStatus" not in value:
                checked[block] = {**value, "pauseStatus": "UNPAUSED"}
        return checked

    def failures(self, news: Props) -> list[tuple[str, str]]:
        """jobs/resource_job.go: gitSourceSchema (url IsURLWithHTTPS; branch, tag, commit
        ConflictsWith) and the trigger rules of CustomizeSchema."""
        found = _conflicts(
            news,
            {
                "gitSource.tag": (
                    ("gitSource.branch", "git_source.0.branch"),
                    ("gitSource.commit", "git_source.0.commit"),
                ),
                "gitSource.branch": (
                    ("gitSource.commit", "git_source.0.commit"),
                    ("gitSource.tag", "git_source.0.tag"),
                ),
                "gitSource.commit": (
                    ("gitSource.branch", "git_source.0.branch"),
                    ("gitSource.tag", "git_source.0.tag"),
                ),
            },
        )
        url = _at(news, "gitSource.url")
        if isinstance(url, str) and not is_unknown(url):
            parsed = urllib.parse.urlsplit(url)
            key = '"git_source.0.url"'  # validation.IsURLWithHTTPS, in its order
            reason = (
                f"expected {key} url to not be empty, got {url}"
                if not url
                else f"expected {key} to have a host, got {url}"
                if not parsed.hostname
                else f'expected {key} to have a url with schema of: "https", got {url}'
                if parsed.scheme != "https"
                else None
            )
            if reason:
                found.append(("gitSource.url", reason))
        interval = _at(news, "trigger.periodic.interval")
        if isinstance(interval, (int, float)) and interval < 1:
            found.append(
                (
                    "trigger.periodic.interval",
                    f"expected interval to be at least (1), got {int(interval)}",
                )
            )
        found += _min_items(
            "trigger.tableUpdate.tableNames",
            "trigger.0.table_update.0.table_names",
            _at(news, "trigger.tableUpdate.tableNames"),
        )
        return found

    def body(self, props: Mapping[str, Any]) -> dict[str, Any]:
        # The provider always sends a queue.
        return {"queue": {"enabled": False}, **_sorted_tasks(super().body(props))}

    def _state(self, client: Client, job_id: str) -> Props:
        job = client.call("GET", "/api/2.2/jobs/get", query={"job_id": job_id})
        settings = job.get("settings")
        if not isinstance(settings, dict):
            raise ResourceError(f"job {job_id}: the workspace answered without settings")
        settings = _sorted_webhooks(_sorted_tasks(settings))
        # The API never answers settings.run_as; the provider fills it from run_as_user_name.
        run_as = job.get("run_as_user_name")
        if run_as:
            key = "service_principal_name" if _is_uuid(run_as) else "user_name"
            settings = {**settings, "run_as": {key: run_as}}
        state = from_rest(self.fields, settings)
        state["url"] = f"{client.config.host}/#job/{job_id}"
        return state

    def create(self, client: Client, news: Props) -> tuple[str, Props]:
        body = _sorted_webhooks(self.body(news))
        answer = client.call("POST", "/api/2.2/jobs/create", body=body)
        job_id = str(answer["job_id"])
        return job_id, self._state(client, job_id)

    def read(self, client: Client, id_: str, olds: Props) -> Props | None:
        try:
            return struct_to_data(self, self._state(client, id_), olds or None)
        except NotFound:
            return None

    def update(self, client: Client, id_: str, olds: Props, news: Props) -> Props:
        client.call(
            "POST",
            "/api/2.2/jobs/reset",
            body={"job_id": int(id_), "new_settings": self.body(news)},
        )
        return struct_to_data(self, self._state(client, id_), planned_state(self, olds, news))

    def delete(self, client: Client, id_: str, olds: Props) -> None:
        with contextlib.suppress(NotFound):
            client.call("POST", "/api/2.2/jobs/delete", body={"job_id": int(id_)})


# ---------------------------------------------------------------------------------------------
class Pipeline(Kind):
    token = "databricks:index/pipeline:Pipeline"
    computed = frozenset(
        {
            "cause",
            "clusterId",
            "creatorUserName",
            "health",
            "lastModified",
            "latestUpdates",
            "pipelineId",
            "runAsUserName",
            "state",
            "url",
        }
    )
    defaults: ClassVar[Mapping[str, Any]] = {"edition": "ADVANCED", "channel": "CURRENT"}
    wait_seconds = 20 * 60
    """How long a continuous pipeline may take to reach RUNNING (the provider's default)."""
    poll_seconds = 1.0

    def suppressions(self) -> dict[str, Any]:
        return {
            # The service fills a dbfs:/pipelines/<id> storage when none is given; only that
            # default is suppressed (suppressStorageDiff): removing a custom one replaces.
            "storage": lambda old, new: (
                empty(new) and isinstance(old, str) and DEFAULT_STORAGE.match(old) is not None
            ),
            # Read always records the bool (false: the API never returns it); unset is false.
            "allowDuplicateNames": absent_or_default(False),
            "catalog": lambda old, new: (
                isinstance(old, str) and isinstance(new, str) and old.lower() == new.lower()
            ),
        }

    def failures(self, news: Props) -> list[tuple[str, str]]:
        """pipelines/resource_pipeline.go CustomizeSchema: ConflictsWith and MinItems."""
        found = _conflicts(
            news,
            {
                "storage": (("catalog", "catalog"),),
                "catalog": (("storage", "storage"),),
                "target": (("schema", "schema"),),
                "schema": (("target", "target"),),
            },
        )
        found += _min_items("libraries", "library", news.get("libraries"))
        notifications = news.get("notifications")
        for i, notification in enumerate(notifications if isinstance(notifications, list) else []):  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
            if not isinstance(notification, dict):
                continue
            for wire, tf in (("emailRecipients", "email_recipients"), ("alerts", "alerts")):
                found += _min_items(
                    f"notifications[{i}].{wire}",
                    f"notification.{i}.{tf}",
                    notification.get(wire),  # pyright: ignore[reportUnknownMemberType]
                )
        return found

    def forces_replace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str]:
        forcing: set[str] = set()
        if olds.get("storage") != news.get("storage") and not self._suppressed_storage(olds, news):
            forcing.add("storage")
            forcing.add("catalog")  # catalog forces a replacement only together with storage
        return forcing

    def _suppressed_storage(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        old = olds.get("storage")
        return empty(news.get("storage")) and (
            empty(old) or (isinstance(old, str) and DEFAULT_STORAGE.match(old) is not None)
        )

    def _get(self, client: Client, pipeline_id: str) -> dict[str, Any]:
        return client.call("GET", f"/api/2.0/pipelines/{urllib.parse.quote(pipeline_id)}")

    def _state(self, client: Client, answer: Mapping[str, Any]) -> Props:
        spec = dict(answer.get("spec") or {})
        spec.pop("id", None)
        for top in ("run_as",):  # create fields answered beside the spec
            if answer.get(top) is not None:
                spec[top] = answer[top]
        state = from_rest(self.fields, spec)
        # StructToData sets every bool; the API never returns allow_duplicate_names.
        state["allowDuplicateNames"] = bool(spec.get("allow_duplicate_names"))
        for wire, rest in (
            ("clusterId", "cluster_id"),
            ("creatorUserName", "creator_user_name"),
            ("health", "health"),
            ("lastModified", "last_modified"),
            ("runAsUserName", "run_as_user_name"),
            ("state", "state"),
            ("cause", "cause"),
        ):
            if answer.get(rest) is not None:
                state[wire] = answer[rest]
        updates = answer.get("latest_updates")
        if isinstance(updates, list):
            state["latestUpdates"] = from_rest(self.fields, {"latest_updates": updates}).get(
                "latestUpdates", []
            )
        state["url"] = f"{client.config.host}/#joblist/pipelines/{answer['pipeline_id']}"
        return state

    def _wait(self, client: Client, pipeline_id: str, continuous: bool) -> dict[str, Any]:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            answer = self._get(client, pipeline_id)
            state = answer.get("state")
            if state == "RUNNING":
                return answer
            if state == "FAILED":
                raise ResourceError(f"pipeline {pipeline_id} has failed: {answer.get('cause')}")
            if not continuous:
                return answer
            if time.monotonic() > deadline:
                raise ResourceError(
                    f"pipeline {pipeline_id} did not reach RUNNING within {self.wait_seconds} s "
                    f"(state {state})"
                )
            time.sleep(self.poll_seconds)

    def create(self, client: Client, news: Props) -> tuple[str, Props]:
        answer = client.call("POST", "/api/2.0/pipelines", body=self.body(news))
        pipeline_id = str(answer["pipeline_id"])
        try:
            settled = self._wait(client, pipeline_id, bool(news.get("continuous")))
        except ResourceError:
            self.delete(client, pipeline_id, news)  # the provider cleans up a failed create
            raise
        return pipeline_id, self._state(client, settled)

    def read(self, client: Client, id_: str, olds: Props) -> Props | None:
        try:
            return struct_to_data(self, self._state(client, self._get(client, id_)), olds or None)
        except NotFound:
            return None

    def update(self, client: Client, id_: str, olds: Props, news: Props) -> Props:
        body = {**self.body(news), "id": id_}
        client.call("PUT", f"/api/2.0/pipelines/{urllib.parse.quote(id_)}", body=body)
        answer = self._wait(client, id_, bool(news.get("continuous")))
        return struct_to_data(self, self._state(client, answer), planned_state(self, olds, news))

    def delete(self, client: Client, id_: str, olds: Props) -> None:
        path = f"/api/2.0/pipelines/{urllib.parse.quote(id_)}"
        try:
            client.call("DELETE", path)
        except NotFound:
            return
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:  # the provider waits until the pipeline is gone
            try:
                self._get(client, id_)
            except NotFound:
                return
            time.sleep(self.poll_seconds)
        raise ResourceError(f"pipeline {id_} was still there {self.wait_seconds} s after delete")


# ---------------------------------------------------------------------------------------------
# What a read keeps: the provider's StructToData (TF v1.128.0 common/reflect_resource.go), which
# the job and pipeline Reads end with. Kept apart from the resource classes on purpose.
_COMPUTED_ON_READ: dict[str, frozenset[str]] = {
    # jobs/resource_job.go CustomizeSchema: SetComputed on the top-level run_as and format.
    "databricks:index/job:Job": frozenset({"runAs", "format"}),
}
"""Top-level inputs the provider's schema marks Computed, beyond a kind's `computed`."""

_ZERO: dict[str, Any] = {"boolean": False, "integer": 0, "number": 0}
"""What a Go struct holds for a scalar the answer leaves out (not nil, so not skipped)."""


def _zero(value: Any) -> bool:
    """`d.GetOk` is false: absent, or the type's zero value."""
    return value is None or value in ("", 0, False) or value == [] or value == {}


def struct_to_data(kind: Kind, server: Mapping[str, Any], prior: Mapping[str, Any] | None) -> Props:
    """The state a job or pipeline Read leaves, from the workspace's answer `server` and the state
    the read started from `prior` (None: the resource is new, after create or on import, when
    every value the workspace answers is taken).

    Otherwise, per top-level field, as StructToData does: a value the workspace answers empty
    (nil block, empty list, map or string) is never set, so the state keeps what it held (a
    schedule, tags or notifications removed in the UI stay in the state: TF #5624); a value for a
    field the state does not hold (or holds as zero) is ignored unless the field is Computed or a
    boolean (TF #4018); anything else is taken from the workspace. A scalar the answer leaves out
    is the Go zero value (0, false), not empty: a removed timeout reads as 0."""
    if prior is None:
        return {k: v for k, v in server.items() if not empty(v) and v != ""}
    computed = (
        kind.computed | frozenset(kind.outputs) | _COMPUTED_ON_READ.get(kind.token, frozenset())
    )
    state: Props = dict(prior)
    for name in sorted(set(kind.fields) | set(kind.outputs)):
        node = kind.fields.get(name)
        scalar = node["type"] if isinstance(node, Mapping) else None
        value = server.get(name)
        if value is None and scalar in _ZERO:
            if name not in prior:
                continue  # null in the state and zero in the answer: nothing to record
            value = _ZERO[str(scalar)]
        if empty(value) or value == "":
            continue  # isValueNilOrEmpty: the state keeps its value
        if name not in computed and scalar != "boolean" and _zero(prior.get(name)):
            continue  # not in the state: the server's value is dropped
        state[name] = value
    return state


def planned_state(kind: Kind, olds: Props, news: Props) -> Props:
    """The state an update's read-back starts from (the provider's `d` after the plan): the new
    inputs, and the old values of fields the plan leaves as they were (suppressed diffs)."""
    changed = {re.split(r"[.\[]", path, maxsplit=1)[0] for path in kind.diff(olds, news)}
    planned = {k: v for k, v in olds.items() if k not in changed}
    planned.update(news)
    return planned


# ---------------------------------------------------------------------------------------------
class QualityMonitor(Kind):
    token = "databricks:index/qualityMonitor:QualityMonitor"
    not_sent = frozenset({"providerConfig", "tableName"})
    computed = frozenset({"monitorId"})
    # latestMonitorFailureMsg is optional, not computed, in the plugin-framework schema: a failure
    # the service reports is read into the state and, like any optional field, into the inputs a
    # refresh records (the bridge extracts them from the state); a configuration without it then
    # differs on every run unless the program ignores changes to it. Sent when the plan has it.
    not_updated = frozenset({"assetsDir", "warehouseId", "skipBuiltinDashboard"})
    wait_seconds = 15 * 60
    poll_seconds = 1.0

    def suppressions(self) -> dict[str, Any]:
        return {"schedule.pauseStatus": absent_in_config}

    def _path(self, table: str) -> str:
        return f"/api/2.1/unity-catalog/tables/{urllib.parse.quote(table, safe='')}/monitor"

    def _state(self, answer: Mapping[str, Any], olds: Mapping[str, Any]) -> Props:
        state = from_rest(self.fields, answer)
        for wire, rest in (
            ("dashboardId", "dashboard_id"),
            ("driftMetricsTableName", "drift_metrics_table_name"),
            ("profileMetricsTableName", "profile_metrics_table_name"),
            ("monitorVersion", "monitor_version"),
            ("status", "status"),
        ):
            if answer.get(rest) is not None:
                state[wire] = answer[rest]
        state["monitorId"] = answer.get("table_name")
        # Read keeps warehouse_id from the prior state when non-empty, skip_builtin_dashboard
        # only when true; otherwise they are null.
        if olds.get("warehouseId"):
            state["warehouseId"] = olds["warehouseId"]
        if olds.get("skipBuiltinDashboard") is True:
            state["skipBuiltinDashboard"] = True
        return state

    def _wait(self, client: Client, table: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            answer = client.call("GET", self._path(table))
            status = answer.get("status")
            if status == "MONITOR_STATUS_ACTIVE":
                return answer
            if status in ("MONITOR_STATUS_ERROR", "MONITOR_STATUS_FAILED"):
                raise ResourceError(
                    f"monitor of {table} is {status}: {answer.get('latest_monitor_failure_msg')}"
                )
            if time.monotonic() > deadline:
                raise ResourceError(f"monitor of {table} not active after {self.wait_seconds} s")
            time.sleep(self.poll_seconds)

    def create(self, client: Client, news: Props) -> tuple[str, Props]:
        table = str(news["tableName"])
        client.call("POST", self._path(table), body=self.body(news))
        state = self._state(self._wait(client, table), {})
        # Create records both from the plan, whatever their value.
        for name in ("warehouseId", "skipBuiltinDashboard"):
            if name in news:
                state[name] = news[name]
        return table, state

    def read(self, client: Client, id_: str, olds: Props) -> Props | None:
        try:
            return self._state(client.call("GET", self._path(id_)), olds)
        except NotFound:
            return None

    def update(self, client: Client, id_: str, olds: Props, news: Props) -> Props:
        body = self.body({k: v for k, v in news.items() if k not in self.not_updated})
        schedule = body.get("schedule")
        if isinstance(schedule, dict):
            schedule.pop("pause_status", None)  # the provider clears it on update
        if olds.get("dashboardId"):
            body["dashboard_id"] = olds["dashboardId"]
        # UpdateMonitor takes table_name from the plan: a changed table_name is a PUT to the
        # other table's monitor, while the resource keeps its id.
        table = str(news.get("tableName") or id_)
        client.call("PUT", self._path(table), body=body)
        state = self._state(self._wait(client, table), {})
        state["monitorId"] = id_
        # Update has no field for either and copies both from the prior state: a changed
        # warehouse_id or skip_builtin_dashboard is never applied and never settles.
        for name in ("warehouseId", "skipBuiltinDashboard"):
            if name in olds:
                state[name] = olds[name]
        return state

    def delete(self, client: Client, id_: str, olds: Props) -> None:
        with contextlib.suppress(NotFound):
            client.call("DELETE", self._path(id_))

    def inputs_of(self, state: Props) -> Props:
        # The monitor API rejects its own server-filled fields when they are sent back.
        return {k: v for k, v in super().inputs_of(state).items() if k not in self.computed}


# ---------------------------------------------------------------------------------------------
class _WorkspaceObject(Kind):
    """Notebook and WorkspaceFile: the Workspace API; content compared through the state only."""

    computed = frozenset({"objectId", "objectType"})
    import_format: str | None = None

    def forces_replace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str]:
        return {"path"}

    def failures(self, news: Props) -> list[tuple[str, str]]:
        """workspace/file_resource.go FileContentSchema: the `path` ValidateDiagFunc."""
        path = news.get("path")
        if not isinstance(path, str) or is_unknown(path):
            return []
        if path == "":
            return [("path", "Path must not be empty")]
        if path.startswith("Volume"):
            return [("path", "Path should start with /Volumes")]
        if path.startswith("dbfs:"):
            return [
                (
                    "path",
                    "Remove `dbfs:` prefix: Even though `dbfs:` is a valid filesystem prefix, we "
                    "recommend to remove it to avoid confusion and recreation of resource: "
                    + path.replace("dbfs:", ""),
                )
            ]
        clean = _go_clean(path)
        if path != clean:
            return [
                (
                    "path",
                    f"Clean path required: Replace value with {clean} to avoid resource "
                    "replacement",
                )
            ]
        return []

    def suppressions(self) -> dict[str, Any]:
        return {"md5": absent_in_config, "source": absent_in_config}

    def _content(self, news: Mapping[str, Any]) -> str:
        if news.get("contentBase64"):
            return str(news["contentBase64"])
        source = news.get("source")
        if source:
            return base64.b64encode(Path(str(source)).read_bytes()).decode("ascii")
        raise ResourceError("one of contentBase64 or source is required")

    def _import(self, client: Client, news: Props) -> None:
        body: dict[str, Any] = {
            "path": news["path"],
            "content": self._content(news),
            "overwrite": True,
        }
        body["format"] = self.import_format or news.get("format") or "SOURCE"
        if news.get("language"):
            body["language"] = news["language"]
        try:
            client.call("POST", "/api/2.0/workspace/import", body=body)
        except NotFound:
            # The provider creates the parent folder when the first import fails, then retries.
            parent = posixpath.dirname(str(news["path"]))
            client.call("POST", "/api/2.0/workspace/mkdirs", body={"path": parent})
            client.call("POST", "/api/2.0/workspace/import", body=body)

    def _state(self, client: Client, path: str, olds: Props) -> Props:
        status = client.call("GET", "/api/2.0/workspace/get-status", query={"path": path})
        state = {k: v for k, v in olds.items() if k in self.fields}
        state["path"] = status.get("path", path)
        state["objectId"] = status.get("object_id")
        state["objectType"] = status.get("object_type")
        if status.get("language") is not None and "language" in self.fields:
            state["language"] = status["language"]
        state["url"] = f"{client.config.host}/#workspace{path}"
        # SetWorkspaceObjectComputedProperties: "/Workspace" + the id, even when the id starts
        # with /Workspace already (Lakeform's default root gives /Workspace/Workspace/...).
        state["workspacePath"] = f"/Workspace{path}"
        return state

    def create(self, client: Client, news: Props) -> tuple[str, Props]:
        self._import(client, news)
        path = str(news["path"])
        return path, self._state(client, path, news)

    def read(self, client: Client, id_: str, olds: Props) -> Props | None:
        try:
            return self._state(client, id_, olds)
        except NotFound:
            return None

    def update(self, client: Client, id_: str, olds: Props, news: Props) -> Props:
        self._import(client, news)
        return self._state(client, str(news["path"]), news)

    def delete(self, client: Client, id_: str, olds: Props) -> None:
        with contextlib.suppress(NotFound):
            client.call("POST", "/api/2.0/workspace/delete", body={"path": id_, "recursive": False})


class Notebook(_WorkspaceObject):
    token = "databricks:index/notebook:Notebook"
    languages = ("SCALA", "PYTHON", "R", "SQL")
    """workspace/resource_notebook.go ResourceNotebook: `language` StringInSlice, in its order."""

    def failures(self, news: Props) -> list[tuple[str, str]]:
        """The path rules, `language` one of four, and `content_base64` RequiredWith
        `language` (so a JUPYTER upload needs a language too)."""
        found = super().failures(news)
        language = news.get("language")
        if isinstance(language, str) and not is_unknown(language):
            if language not in self.languages:
                allowed = " ".join(f'"{lang}"' for lang in self.languages)
                found.append(
                    ("language", f"expected language to be one of [{allowed}], got {language}")
                )
        elif language is None and news.get("contentBase64") is not None:
            found.append(
                (
                    "contentBase64",
                    '"content_base64": all of `content_base64,language` must be specified',
                )
            )
        return found


def _go_clean(path: str) -> str:
    """Go's filepath.Clean on a slash path (POSIX normpath keeps a leading `//`; Go does not)."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


class WorkspaceFile(_WorkspaceObject):
    token = "databricks:index/workspaceFile:WorkspaceFile"
    import_format = "RAW"


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PermissionsOf:
    """One object type the Permissions resource serves: permission_definitions.go's entry."""

    field: str
    """The wire input naming the object (`jobId`)."""
    tf_field: str
    """Its provider name, as the provider's messages say it (`job_id`)."""
    object_type: str
    """What GET answers as `object_type` (`job`; `pipelines` for pipelines)."""
    request_type: str
    """The path segment of the API and of the resource id (`jobs` in `/jobs/123`)."""
    levels: Mapping[str, bool]
    """Allowed levels -> whether the level lets its holder manage the object."""
    creator: str | None
    """REST path of the object's GET, whose creator_user_name owns it again on delete; None:
    delete leaves the permissions as they are."""


_PERMISSION_TYPES = (
    _PermissionsOf(
        field="jobId",
        tf_field="job_id",
        object_type="job",
        request_type="jobs",
        levels={"CAN_VIEW": False, "CAN_MANAGE_RUN": False, "IS_OWNER": True, "CAN_MANAGE": True},
        creator="/api/2.2/jobs/get",
    ),
    _PermissionsOf(
        field="pipelineId",
        tf_field="pipeline_id",
        object_type="pipelines",
        request_type="pipelines",
        levels={"CAN_VIEW": False, "CAN_RUN": False, "CAN_MANAGE": True, "IS_OWNER": True},
        # v1.128.0 deletes nothing for pipelines: resetting sent IS_OWNER to the run_as identity.
        creator=None,
    ),
)

_PRINCIPALS = ("userName", "groupName", "servicePrincipalName")
_CASELESS = ("userName", "servicePrincipalName")  # emails and application ids


def _identity(entry: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """An access_control element as the provider's set hash sees it: non-empty fields, user and
    service principal names in lower case."""
    return tuple(
        (name, str(value).lower() if name in _CASELESS else str(value))
        for name, value in sorted(entry.items())
        if isinstance(value, str) and value
    )


class Permissions(Kind):
    """`databricks.Permissions` for jobs and pipelines (the only objects Lakeform grants on)."""

    token = "databricks:index/permissions:Permissions"
    computed = frozenset({"objectType"})

    def __init__(self) -> None:
        super().__init__()
        self.object_fields = sorted(
            f for f in self.fields if f not in {"accessControls", "objectType", "providerConfig"}
        )
        self.differ.ignore = frozenset({"accessControls"})

    # -- which object ------------------------------------------------------------------------
    def _of(self, props: Mapping[str, Any]) -> _PermissionsOf | None:
        return next((t for t in _PERMISSION_TYPES if props.get(t.field) is not None), None)

    def _of_id(self, id_: str) -> tuple[_PermissionsOf, str]:
        segment, _, object_id = id_.strip("/").partition("/")
        for of in _PERMISSION_TYPES:
            if of.request_type == segment and object_id:
                return of, object_id
        raise ResourceError(
            f"resource type for {id_} not found: Lakeform's local provider serves permissions "
            "of jobs (/jobs/<id>) and pipelines (/pipelines/<id>) only"
        )

    def failures(self, news: Props) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        named = [f for f in self.object_fields if news.get(f) is not None]
        for field in named:
            if field not in ("jobId", "pipelineId"):
                found.append(
                    (
                        field,
                        f"Lakeform's local provider manages permissions of jobs (jobId) and "
                        f"pipelines (pipelineId) only, not {field}; the real provider serves "
                        "every object type",
                    )
                )
        if len(named) > 1:
            found.append((named[1], f'"{named[1]}": conflicts with {named[0]}'))
        if not named:
            found.append(
                (
                    "jobId",
                    "at least one type of resource identifier must be set: jobId or "
                    "pipelineId (Lakeform's local provider)",
                )
            )
        controls = news.get("accessControls")
        if not isinstance(controls, list) or not controls:
            found.append(("accessControls", "accessControls: at least 1 item is required"))
            return found
        of = self._of(news)
        for i, entry in enumerate(controls):  # pyright: ignore[reportUnknownVariableType]
            level = entry.get("permissionLevel") if isinstance(entry, dict) else None  # pyright: ignore[reportUnknownMemberType]
            if of is not None and not is_unknown(level) and level not in of.levels:
                found.append(
                    (
                        f"accessControls[{i}].permissionLevel",
                        f"permission_level {level} is not supported with {of.tf_field} objects; "
                        f"allowed levels: {', '.join(sorted(of.levels))}",
                    )
                )
        return found

    def forces_replace(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str]:
        # Every object field is ForceNew: permissions of another object are another resource.
        return {f for f in self.object_fields if olds.get(f) != news.get(f)}

    def diff(self, olds: Props, news: Props) -> dict[str, str]:
        changes = super().diff(olds, news)
        changes.update(self._set_diff(olds.get("accessControls"), news.get("accessControls")))
        return changes

    def _set_diff(self, old: Any, new: Any) -> dict[str, str]:
        """access_control is a set: elements matched by identity, never by position. Changed
        elements are reported as the bridge does: removed ones at their old index, added ones at
        their index in the inputs, both at one index as an update of the fields that differ."""
        if is_unknown(new):
            return {"accessControls": "UPDATE"}
        olds_ = [e for e in old or [] if isinstance(e, dict)]  # pyright: ignore[reportUnknownVariableType]
        news_ = [e for e in new or [] if isinstance(e, dict)]  # pyright: ignore[reportUnknownVariableType]
        if any(is_unknown(v) for e in news_ for v in e.values()):  # pyright: ignore[reportUnknownVariableType]
            return {"accessControls": "UPDATE"}
        old_ids = {_identity(e): i for i, e in enumerate(olds_)}  # pyright: ignore[reportUnknownArgumentType]
        new_ids = {_identity(e): i for i, e in enumerate(news_)}  # pyright: ignore[reportUnknownArgumentType]
        removed = {i for key, i in old_ids.items() if key not in new_ids}
        added = {i for key, i in new_ids.items() if key not in old_ids}
        changes: dict[str, str] = {}
        for i in sorted(removed | added):
            path = f"accessControls[{i}]"
            if i in removed and i in added:
                before, after = olds_[i], news_[i]  # pyright: ignore[reportUnknownVariableType]
                for name in sorted(set(before) | set(after)):  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
                    o, n = before.get(name), after.get(name)  # pyright: ignore[reportUnknownMemberType,reportUnknownVariableType]
                    if o != n:
                        changes[f"{path}.{name}"] = (
                            "ADD" if empty(o) else "DELETE" if empty(n) else "UPDATE"
                        )
            else:
                changes[path] = "DELETE" if i in removed else "ADD"
        return changes

    # -- the calls ---------------------------------------------------------------------------
    def _me(self, client: Client) -> str:
        me = client.call(
            "GET", "/api/2.0/preview/scim/v2/Me", query={"excludedAttributes": "entitlements"}
        )
        return str(me.get("userName") or "")

    def _path(self, of: _PermissionsOf, object_id: str) -> str:
        return f"/api/2.0/permissions/{of.request_type}/{urllib.parse.quote(object_id)}"

    def _put(
        self,
        client: Client,
        of: _PermissionsOf,
        object_id: str,
        acl: list[dict[str, Any]],
        owner: str,
    ) -> None:
        """PUT the list, with `owner` as IS_OWNER when the list names none (the provider's
        safePutWithOwner, including its retry without the owner for owner-less objects)."""
        with_owner = acl
        if not any(e.get("permission_level") == "IS_OWNER" for e in acl):
            with_owner = [*acl, {"user_name": owner, "permission_level": "IS_OWNER"}]
        try:
            client.call("PUT", self._path(of, object_id), body={"access_control_list": with_owner})
        except Exception as exc:
            if "with no existing owner must provide a new owner" not in str(exc):
                raise
            client.call("PUT", self._path(of, object_id), body={"access_control_list": acl})

    def _apply(self, client: Client, of: _PermissionsOf, object_id: str, news: Props) -> None:
        me = self._me(client)
        controls: list[dict[str, Any]] = list(news.get("accessControls") or [])
        for entry in controls:
            if entry.get("groupName") == "admins":
                raise ResourceError(
                    f"it is not possible to modify admin permissions for {of.object_type} resources"
                )
            mine = any(str(entry.get(name) or "").lower() == me.lower() for name in _CASELESS if me)
            if mine and not of.levels.get(str(entry.get("permissionLevel")), False):
                allowed = ", ".join(sorted(lv for lv, manage in of.levels.items() if manage))
                raise ResourceError(
                    f"cannot remove management permissions for the current user for "
                    f"{of.object_type}, allowed levels: {allowed}"
                )
        acl = [to_rest(self.fields["accessControls"]["items"]["fields"], e) for e in controls]
        self._put(client, of, object_id, acl, me)

    def _state(
        self, client: Client, of: _PermissionsOf, object_id: str, olds: Props
    ) -> Props | None:
        """The resource as Read leaves it, or None when nothing of it is left to manage."""
        me = self._me(client)
        try:
            answer = client.call("GET", self._path(of, object_id))
        except NotFound:
            return None
        if answer.get("object_type") != of.object_type:
            raise ResourceError(
                f"expected object type {of.object_type}, got {answer.get('object_type')}"
            )
        configured = [e for e in olds.get("accessControls") or [] if isinstance(e, dict)]  # pyright: ignore[reportUnknownVariableType]
        me_configured = any(
            str(e.get(name) or "").lower() == me.lower()
            for e in configured
            for name in _CASELESS  # pyright: ignore[reportUnknownMemberType,reportUnknownArgumentType,reportUnknownVariableType]
        )
        controls: list[dict[str, Any]] = []
        for entry in answer.get("access_control_list") or []:
            user = str(entry.get("user_name") or "")
            principal = str(entry.get("service_principal_name") or "")
            if me and me.lower() in (user.lower(), principal.lower()) and not me_configured:
                continue  # the caller, added by the provider itself, unless configured
            if entry.get("group_name") == "admins":
                continue
            for permission in entry.get("all_permissions") or []:
                if permission.get("inherited"):
                    continue
                element = {
                    "groupName": entry.get("group_name"),
                    "userName": user.lower() or None,
                    "servicePrincipalName": principal.lower() or None,
                    "permissionLevel": permission.get("permission_level"),
                }
                controls.append({k: v for k, v in element.items() if v})
        if not controls:  # nothing the resource manages is left: the same as gone
            return None
        return {of.field: object_id, "accessControls": controls, "objectType": of.object_type}

    def create(self, client: Client, news: Props) -> tuple[str, Props]:
        of = self._of(news)
        if of is None:
            raise ResourceError("at least one type of resource identifier must be set")
        object_id = str(news[of.field])
        self._apply(client, of, object_id, news)
        id_ = f"/{of.request_type}/{object_id}"
        state = self._state(client, of, object_id, news)
        if state is None:
            raise ResourceError(f"{id_}: no permissions left to manage after they were set")
        return id_, state

    def read(self, client: Client, id_: str, olds: Props) -> Props | None:
        of, object_id = self._of_id(id_)
        return self._state(client, of, object_id, olds)

    def update(self, client: Client, id_: str, olds: Props, news: Props) -> Props:
        of, object_id = self._of_id(id_)
        self._apply(client, of, object_id, news)
        state = self._state(client, of, object_id, news)
        if state is None:
            raise ResourceError(f"{id_}: no permissions left to manage after they were set")
        return state

    def delete(self, client: Client, id_: str, olds: Props) -> None:
        """Not a removal: the object's grants go back to its creator as owner (and the admins
        group's direct grant, if any). For pipelines the provider does nothing."""
        of, object_id = self._of_id(id_)
        if of.creator is None:
            return
        try:
            answer = client.call("GET", self._path(of, object_id))
        except NotFound:
            return
        kept: list[dict[str, Any]] = []
        for entry in answer.get("access_control_list") or []:
            if entry.get("group_name") != "admins":
                continue
            direct = [p for p in entry.get("all_permissions") or [] if not p.get("inherited")]
            if direct:
                kept.append(
                    {"group_name": "admins", "permission_level": direct[0]["permission_level"]}
                )
        try:
            job = client.call("GET", of.creator, query={"job_id": object_id})
        except NotFound:
            return  # the object is gone: nothing to reset
        creator = str(job.get("creator_user_name") or "")
        if not creator:
            return
        self._put(client, of, object_id, kept, creator)


KINDS: dict[str, type[Kind]] = {
    kind.token: kind
    for kind in (Job, Pipeline, QualityMonitor, Notebook, WorkspaceFile, Permissions)
}
