"""stacks.heap: the program's collector settings, in a process of their own (they are global)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.unit.test_program import ROOT

CHECK = textwrap.dedent(
    """
    import gc, weakref
    from stacks.heap import GEN0_THRESHOLD, settle_imports, settle_registered

    class Node:
        pass

    def cycle():
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    before = cycle()  # garbage made before settling is frozen with the rest: never freed
    settle_imports()
    frozen = gc.get_freeze_count()
    rows = [Node() for _ in range(1000)]  # what the program builds and keeps to the end
    settle_registered()
    after = cycle()  # a cycle made afterwards is still found and freed
    gc.collect()
    print(gc.get_threshold()[0] == GEN0_THRESHOLD, frozen > 0,
          gc.get_freeze_count() >= frozen + len(rows), before() is not None, after() is None)
    """
)


def test_settling_freezes_what_exists_and_still_collects_new_cycles() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True"] * 5, result.stdout + result.stderr
