"""The Python SDK's debug messages, sent to the engine only when asked for.

The SDK logs a few debug messages per resource it registers ("Registering resource",
"resource registration prepared", "resource registration successful": pulumi/runtime/resource.py,
pulumi 3.272.0), and per invoke. Each is a blocking `Log` call to the engine (pulumi/log.py `_log`:
`engine.Log(req)` on the calling thread). The engine makes each a diagnostic event of severity
debug, which only `pulumi preview|up --debug` prints (pulumi v3.276.0 pkg/backend/display/
progress.go and diff.go drop them unless `Debug`; json.go's `--json` stream drops them always);
`lakeform` reads only errors and warnings (cli/engine.py). The engine does not tell the program
whether `--debug` was given (neither the RunRequest nor the language host's arguments say it), so
the program drops them unless LAKEFORM_SDK_DEBUG=1 is in its environment:

    LAKEFORM_SDK_DEBUG=1 pulumi preview --debug --stack local

`install()` replaces `pulumi.log.debug`, which the SDK's modules look up at each call
(`from .. import log` ... `log.debug(...)`). Info, warnings and errors are untouched. Only the
program (`__main__.py`) installs it.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi

SDK_DEBUG = "LAKEFORM_SDK_DEBUG"
"""Set to 1 to send the SDK's debug messages to the engine (shown by `pulumi ... --debug`)."""


_sdk_debug = pulumi.log.debug


def _dropped(msg: str, *args: Any, **kwargs: Any) -> None:
    """pulumi.log.debug when nobody reads it: nothing sent."""


def install() -> None:
    pulumi.log.debug = _sdk_debug if os.environ.get(SDK_DEBUG) == "1" else _dropped
