"""How the program's process treats Python's cyclic garbage collector.

A Pulumi program is a batch: the modules it imports, the rows it loads and the resources it
registers all live until it ends, and the SDK keeps every resource's Outputs pending until the
engine has answered. With CPython's defaults (a collection every 700 new container objects, and
a full one each time the heap grew by a quarter) the collector walks that growing heap over and
over and finds almost nothing to free: measured at 1,000 jobs, 17 s of the program's 30 s of CPU
in a no-change preview, about half of it in a plain `pulumi_databricks` program too
(docs/performance.md). So the program

- freezes (`gc.freeze`) what exists once its modules are imported, and again once every row is
  registered: the collector never walks those objects again;
- starts a collection every `GEN0_THRESHOLD` new container objects instead of 700.

Reference cycles made afterwards are still collected; the program's peak memory did not change
(415 MB at 1,000 jobs either way). Only the program (`__main__.py`) calls these: tests and the
`lakeform` command keep Python's defaults.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 50_000
"""New container objects between two young collections (CPython's default: 700). Measured at
1,000 jobs: 10,000 left 2.6 s more collector time than 50,000; memory was the same."""


def settle_imports() -> None:
    """After the imports: collect less often, and never walk the imported modules again."""
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    gc.freeze()


def settle_registered() -> None:
    """After every row is registered: the rows, components and resources live until the end."""
    gc.freeze()
