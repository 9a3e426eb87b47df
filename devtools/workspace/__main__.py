"""`python -m devtools.workspace serve ...`: the local workspace (devtools/workspace/command.py)."""

import sys

from devtools.workspace.command import main

sys.exit(main())
