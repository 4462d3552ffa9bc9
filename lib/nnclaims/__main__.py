import sys

from .forkserver import delegate

# A job of a workflow whose fork server runs: forked from it, its libraries already imported.
status = delegate()
if status is None:
    from .cli import main

    status = main()
sys.exit(status)
