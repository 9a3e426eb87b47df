"""YAML reading that remembers where every mapping key and list item came from."""

from __future__ import annotations

from typing import Any, cast

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from metadata.errors import Pos, Problem


class LMap(dict[str, Any]):
    """A YAML mapping with the position of the mapping and of each key."""

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

    pos: Pos | None
    item_pos: list[Pos | None]

    def __init__(self, pos: Pos | None = None) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos = []

    def put(self, value: Any, pos: Pos | None) -> None:
        self.append(value)
        self.item_pos.append(pos)


def _pos(file: str, node: Node) -> Pos:
    return Pos(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Constructor(SafeConstructor):
    pass


# libyaml's parser is ~10x faster than the pure-Python one and gives the same node marks.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def parse_text(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document into LMap/LList/scalars; problems instead of exceptions."""
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
    problems: list[Problem] = []
    constructor = _Constructor()
    value = _build(root, file, constructor, problems, set())
    return value, problems


def _build(
    node: Node, file: str, cons: _Constructor, problems: list[Problem], active: set[int]
) -> Any:
    if id(node) in active:  # a recursive alias: `&a [*a]`
        problems.append(Problem(_pos(file, node), "", "recursive YAML alias is not allowed"))
        return None
    if isinstance(node, ScalarNode):
        if node.tag == _STR_TAG:  # most scalars: skip the constructor's dispatch
            return node.value
        try:
            return cast("Any", cons.construct_object(node, deep=True))  # pyright: ignore[reportUnknownMemberType]
        except (yaml.YAMLError, ValueError, OverflowError) as err:
            problems.append(Problem(_pos(file, node), "", f"invalid scalar: {err}"))
            return None
    active.add(id(node))
    try:
        if isinstance(node, SequenceNode):
            seq = LList(_pos(file, node))
            for item in node.value:
                seq.put(_build(item, file, cons, problems, active), _pos(file, item))
            return seq
        if isinstance(node, MappingNode):
            return _build_map(node, file, cons, problems, active)
    finally:
        active.discard(id(node))
    problems.append(Problem(_pos(file, node), "", "unsupported YAML node"))
    return None


def _build_map(
    node: MappingNode, file: str, cons: _Constructor, problems: list[Problem], active: set[int]
) -> LMap:
    out = LMap(_pos(file, node))
    explicit = len(node.value)
    if any(k.tag == _MERGE_TAG for k, _ in node.value):
        try:
            cons.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        except yaml.YAMLError as err:
            problems.append(Problem(_pos(file, node), "", f"invalid merge key: {err}"))
    n_merged = len(node.value) - explicit
    seen: set[str] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = _build(key_node, file, cons, problems, active)
        kpos = _pos(file, key_node)
        if not isinstance(key, str):
            if isinstance(key, bool | int | float) or key is None:
                # `on:`/`yes:` keys and numbers: YAML 1.1 turns them into non-strings.
                key = str(key_node.value) if isinstance(key_node, ScalarNode) else repr(key)
            else:
                problems.append(Problem(kpos, "", "mapping keys must be strings"))
                continue
        value = _build(value_node, file, cons, problems, active)
        if index >= n_merged:  # merged-in keys may be overridden; explicit ones only once
            if key in seen:
                first = out.key_pos.get(key)
                where = f" (first at line {first.line})" if first else ""
                problems.append(Problem(kpos, key, f"duplicate key '{key}'{where}"))
                continue
            seen.add(key)
        out.put(key, value, kpos)
    return out
