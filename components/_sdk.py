"""`pulumi_databricks` without importing its ~360 resource modules: only those a name is read from.

pulumi-databricks 1.106.0's `__init__.py` star-imports every resource and function module
(`from .job import *`, ...), then registers them for deserialising resource references. That is
1.0 of the ~2.2 CPU-seconds its import costs, paid by every engine run of the program, which uses
a handful of resources (Job, Pipeline, QualityMonitor, DataQualityMonitor, Permissions,
WorkspaceFile, Notebook) and functions (get_schema, get_table). The rest is the shared input and
output types (`_inputs.py`, `outputs.py`), which every resource module imports and which stay.

`install()` puts the package's module object in `sys.modules` unexecuted, with a module
`__getattr__` (PEP 562) that imports, on first use of a name, the one module `__init__.py` would
have bound it from: `Job` and `JobArgs` from `job.py` (the resource's token `index/job`, in
snake case), `get_table_output` from `get_table.py`, `JobTaskArgs` from `_inputs.py`, `config`
and the other subpackages as themselves. Each name is bound to the very object
`from .job import *` binds (so type tokens, properties, the provider and its version, which come
from the classes and `_utilities`, are the ones a full import registers). Any other name, and
`dir()`, runs the real `__init__.py` in the same module object, once: code that needs the whole
package gets it, only later.

What is skipped until then is `_utilities.register(...)`: the table the SDK reads to turn a
*resource reference* the engine sends back (in a resource's outputs or a function's result) into
a Resource object (pulumi/runtime/rpc.py, deserialize_resource). The Databricks provider's
outputs and function results hold no resource references (the Terraform-bridged schema has
none), and the program calls no component provider (Construct/Call), so the program never
receives one; and were one sent, the SDK falls back to its URN or id string, without error.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

PACKAGE = "pulumi_databricks"

_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _modules_for(name: str) -> list[str]:
    """The modules of the package `name` may come from, most likely first."""
    stem = name.removesuffix("_output")  # get_table_output is defined in get_table.py
    if not stem[:1].isupper():
        return [stem]
    # JobArgs, JobState in job.py; GetTableResult, AwaitableGetTableResult in get_table.py
    owner = re.sub(r"^Awaitable|(Args|State|Result)$", "", stem)
    return [_SNAKE.sub("_", owner).lower(), "_inputs"]


def _bind(package: ModuleType, name: str) -> Any:
    """The object the package's `__init__.py` binds to `name`, imported alone; AttributeError
    when the guess finds no module exporting it."""
    path = package.__path__
    for module_name in _modules_for(name):
        full = f"{PACKAGE}.{module_name}"
        if full not in sys.modules and importlib.util.find_spec(full) is None:
            continue
        module = importlib.import_module(full)
        if name in getattr(module, "__all__", ()):  # what `from .module import *` binds
            value = getattr(module, name)
            setattr(package, name, value)
            return value
        if module_name == name:  # a subpackage or module itself, e.g. `config`, `outputs`
            return module
    raise AttributeError(f"{name} not found in {path}")


def _load_all(package: ModuleType) -> None:
    """Run the package's real `__init__.py` in `package` (once): every name, and for
    pulumi_databricks the resource reference registration."""
    if package.__dict__.get("_lakeform_loaded_all"):
        return
    package.__dict__["_lakeform_loaded_all"] = True
    spec = package.__spec__
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(package)


def defer_init(name: str, bind: Callable[[ModuleType, str], Any] | None = None) -> None:
    """Put package `name` in `sys.modules` with its `__init__.py` not run yet (a no-op once it
    is imported): its submodules import alone; a name read from it is `bind(package, name)`,
    else its submodule of that name, else (the real `__init__.py` run first) what that binds.
    Any package whose `__init__.py` imports much more than the process uses can be deferred so;
    databricks-sdk's (every service module, 1.0 CPU-s) is by the local provider."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return  # not installed: the first real import says so
    package = importlib.util.module_from_spec(spec)

    def __getattr__(attribute: str) -> Any:  # PEP 562
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if not package.__dict__.get("_lakeform_loaded_all"):
            if bind is not None:
                try:
                    return bind(package, attribute)
                except AttributeError:
                    pass
            submodule = f"{name}.{attribute}"  # `from . import useragent` asks here first
            if submodule in sys.modules or importlib.util.find_spec(submodule) is not None:
                return importlib.import_module(submodule)
            _load_all(package)
        try:
            return package.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    def __dir__() -> list[str]:  # PEP 562
        _load_all(package)
        return sorted(package.__dict__)

    package.__dict__["__getattr__"] = __getattr__
    package.__dict__["__dir__"] = __dir__
    sys.modules[name] = package


def install() -> None:
    """Make `import pulumi_databricks` cheap in this process: see the module docstring."""
    defer_init(PACKAGE, _bind)
