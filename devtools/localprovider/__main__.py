"""Run the plugin: the engine starts it and reads its port from the first line of stdout."""

from devtools.localprovider.server import main

main()
