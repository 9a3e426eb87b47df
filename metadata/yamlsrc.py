"""YAML reading that remembers where every mapping key and list item came from."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from metadata.errors import Part, Pos, Problem, format_path


class LMap(dict[str, Any]):
    """A YAML mapping with the position of the mapping and of each key."""

    __slots__ = ("key_pos", "pos")  # no __dict__ each: 10,000 rows hold 230,000 mappings
    pos: Pos | None
    key_pos: dict[str, Pos]

    def __init__(self, pos: Pos | None = None) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos = {}

    def put(self, key: str, value: Any, pos: Pos | None) -> None:
        self[key] = value
        if pos is not None:
            self.key_pos[key] = pos


class LList(list[Any]):
    """A YAML sequence with the position of the sequence and of each item."""

    __slots__ = ("item_pos", "pos")
    pos: Pos | None
    item_pos: list[Pos | None]

    def __init__(self, pos: Pos | None = None) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos = []

    def put(self, value: Any, pos: Pos | None) -> None:
        self.append(value)
        self.item_pos.append(pos)


class _Constructor(SafeConstructor):
    pass


# libyaml's parser is ~10x faster than the pure-Python one and gives the same node marks.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


MAX_DEPTH = 64
"""Deepest nesting of mappings and lists a YAML file may hold, an alias counting as deep as the
value it names. Real rows need about 10; composing recurses (in C in libyaml, where `[` x 30000
overflows the stack and kills the process; in Python in the builder and the checks after it)."""
TOO_DEEP = (
    f"nested deeper than {MAX_DEPTH} levels of mappings and lists (an alias counts as deep as "
    "its value); rows need about 10: flatten this value"
)


def nesting_depth(value: Any) -> int:
    """Levels of dicts and lists in an already parsed value (JSON), counted without recursion."""
    deepest = 0
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict):
            todo.extend((v, depth + 1) for v in cast("dict[Any, Any]", item).values())
        elif isinstance(item, list):
            todo.extend((v, depth + 1) for v in cast("list[Any]", item))
        else:
            continue
        deepest = max(deepest, depth + 1)
    return deepest


def depth_problem(text: str, file: str) -> Problem | None:
    """A problem at the first value nested deeper than MAX_DEPTH, or None. Reads the parser's
    events one at a time, which does not recurse, so it is safe to run before composing; a
    syntax error is left for the composer to report."""
    heights: dict[str, int] = {}  # anchor -> levels its collection spans
    # per open collection: its anchor and the deepest level reached inside it
    stack: list[tuple[str | None, int]] = []
    events = cast("Iterator[object]", yaml.parse(text, Loader=_LOADER))  # pyright: ignore[reportUnknownMemberType]
    try:
        for event in events:
            if isinstance(event, MappingStartEvent | SequenceStartEvent):
                reached = len(stack) + 1
                stack.append((cast("str | None", event.anchor), reached))
            elif isinstance(event, AliasEvent):
                reached = len(stack) + heights.get(cast("str", event.anchor), 0)
            elif isinstance(event, MappingEndEvent | SequenceEndEvent):
                anchor, deepest = stack.pop()
                if anchor is not None:
                    heights[anchor] = deepest - len(stack)
                if stack and deepest > stack[-1][1]:
                    stack[-1] = (stack[-1][0], deepest)
                continue
            else:
                continue
            if reached > MAX_DEPTH:
                mark = cast("Mark", event.start_mark)
                return Problem(Pos(file, mark.line + 1, mark.column + 1), "", TOO_DEEP)
            if stack and reached > stack[-1][1]:
                stack[-1] = (stack[-1][0], reached)
    except (yaml.YAMLError, ValueError):
        return None
    return None


Keep = Mapping[str, Callable[[str], bool]]
"""Top-level key -> which keys of the mapping under it to build (a kind's rows)."""


def parse_text(text: str, file: str, keep: Keep | None = None) -> tuple[Any, list[Problem]]:
    """Parse one YAML document into LMap/LList/scalars; problems instead of exceptions.

    With `keep`, a document whose top-level keys are all in `keep` (rows by kind: `jobs: {key:
    row}`) holds only the entries it keeps under them (the rest are composed, never built), and
    the depth is not checked: for a file whose exact bytes were read in full before (a shard's
    program reading its rows of an environment the `lakeform` command validated,
    metadata/shards.py)."""
    if keep is None:
        too_deep = depth_problem(text, file)
        if too_deep is not None:
            return None, [too_deep]
    try:
        root = cast("Node | None", yaml.compose(text, Loader=_LOADER))  # pyright: ignore[reportUnknownMemberType]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        pos = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file, 1, 1)
        what = err.problem or err.context or "invalid YAML"
        return None, [Problem(pos, "", f"YAML syntax error: {what}")]
    except yaml.YAMLError as err:
        return None, [Problem(Pos(file, 1, 1), "", f"YAML error: {err}")]
    except ValueError as err:  # e.g. characters PyYAML refuses
        return None, [Problem(Pos(file, 1, 1), "", f"YAML error: {err}")]
    if root is None:
        return None, []
    builder = _Builder(file)
    if keep is not None and _by_kind(root, keep):
        builder.keep = keep
    value = builder.build(root)
    return value, builder.problems


def _by_kind(root: Node, keep: Keep) -> bool:
    """Whether `root` is a mapping with only keys of `keep` (the rows' own format; a
    compatibility reader's conversion needs the whole document)."""
    return isinstance(root, MappingNode) and all(
        isinstance(k, ScalarNode) and k.value in keep for k, _ in root.value
    )


MAX_NODES = 2_000_000
"""Values one file may expand to (aliases count each time they are used): stops alias bombs."""


class _Builder:
    """Nodes -> LMap/LList/scalars, with positions, collecting problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.cons = _Constructor()
        self.problems: list[Problem] = []
        self.active: set[int] = set()
        self.path: list[Part] = []
        """Where the node being built is: duplicate keys are named by their full path."""
        self.merged: dict[int, int] = {}  # mapping node -> entries added by `<<` merge keys
        self.count = 0
        self.keep: Keep | None = None

    def pos(self, node: Node) -> Pos:
        return Pos(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            if self.count == MAX_NODES + 1:
                self.problems.append(
                    Problem(
                        self.pos(node),
                        "",
                        f"the document expands to more than {MAX_NODES:,} values "
                        "(YAML aliases); split it or use fewer aliases",
                    )
                )
            return None
        if id(node) in self.active:  # a recursive alias: `&a [*a]`
            self.problems.append(Problem(self.pos(node), "", "recursive YAML alias is not allowed"))
            return None
        if isinstance(node, ScalarNode):
            if node.tag == _STR_TAG:  # most scalars: skip the constructor's dispatch
                return node.value
            try:
                return cast("Any", self.cons.construct_object(node, deep=True))  # pyright: ignore[reportUnknownMemberType]
            except (yaml.YAMLError, ValueError, OverflowError) as err:
                self.problems.append(Problem(self.pos(node), "", f"invalid scalar: {err}"))
                return None
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                seq = LList(self.pos(node))
                for i, item in enumerate(node.value):
                    self.path.append(i)
                    seq.put(self.build(item), self.pos(item))
                    self.path.pop()
                return seq
            if isinstance(node, MappingNode):
                return self.build_map(node)
        finally:
            self.active.discard(id(node))
        self.problems.append(Problem(self.pos(node), "", "unsupported YAML node"))
        return None

    def build_map(self, node: MappingNode) -> LMap:
        out = LMap(self.pos(node))
        if id(node) not in self.merged:  # an aliased mapping is flattened once only
            merge_keys = sum(1 for k, _ in node.value if k.tag == _MERGE_TAG)
            explicit = len(node.value) - merge_keys  # flattening drops the `<<` entries
            if merge_keys:
                try:
                    self.cons.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
                except yaml.YAMLError as err:
                    self.problems.append(Problem(self.pos(node), "", f"invalid merge key: {err}"))
            self.merged[id(node)] = len(node.value) - explicit
        n_merged = self.merged[id(node)]
        seen: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            key = self.build(key_node)
            kpos = self.pos(key_node)
            if not isinstance(key, str):
                if isinstance(key, bool | int | float) or key is None:
                    # `on:`/`yes:` keys and numbers: YAML 1.1 turns them into non-strings.
                    key = str(key_node.value) if isinstance(key_node, ScalarNode) else repr(key)
                else:
                    self.problems.append(Problem(kpos, "", "mapping keys must be strings"))
                    continue
            if self.keep is not None and len(self.path) == 1:
                wanted = self.keep.get(str(self.path[0]))
                if wanted is not None and not wanted(key):
                    continue
            self.path.append(key)
            value = self.build(value_node)
            self.path.pop()
            if index >= n_merged:  # merged-in keys may be overridden; explicit ones only once
                if key in seen:
                    first = out.key_pos.get(key)
                    where = f" (first at line {first.line})" if first else ""
                    path = format_path((*self.path, key))
                    self.problems.append(Problem(kpos, path, f"duplicate key '{key}'{where}"))
                    continue
                seen.add(key)
            out.put(key, value, kpos)
        return out


def plain(value: Any) -> Any:
    """LMap/LList -> dict/list, for pydantic's strict mode."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [plain(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def located(value: Any, pos: Pos | None) -> Any:
    """Plain JSON-like data (parsed from a string cell) as LMap/LList, every part at `pos`."""
    if isinstance(value, dict):
        out = LMap(pos)
        for k, v in value.items():  # pyright: ignore[reportUnknownVariableType]
            out.put(str(k), located(v, pos), pos)  # pyright: ignore[reportUnknownArgumentType]
        return out
    if isinstance(value, list):
        out_list = LList(pos)
        for v in value:  # pyright: ignore[reportUnknownVariableType]
            out_list.put(located(v, pos), pos)
        return out_list
    return value
