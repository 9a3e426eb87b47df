"""Run the plugin: the engine starts it and reads its port from the first line of stdout."""

from components._sdk import defer_init

# The engine starts this plugin two or three times a run. Four package __init__.py files would
# import far more than the plugin uses: databricks.sdk's every service module (1.0 CPU-s; the
# client uses sdk.core alone), pulumi's and pulumi.runtime's the whole SDK and the automation
# API (0.15 CPU-s; the server uses the protobuf modules of pulumi.runtime.proto alone), and
# pulumi.runtime.proto's the engine's, language host's, analyzer's and resource monitor's stubs
# (the server uses the plugin and provider ones). Deferred here, in the plugin's own process:
# see components/_sdk.py.
for package in ("databricks.sdk", "pulumi", "pulumi.runtime", "pulumi.runtime.proto"):
    defer_init(package)

from devtools.localprovider.server import main  # noqa: E402

main()
