"""`python -m graphapp` and the `graphapp` console script: the CLI as a short-lived process.

A command holds a few million small acyclic records: the cyclic garbage collector would only
rescan them (about a second on azure-news), and freeing them one by one at exit costs a few tenths
more, while the operating system reclaims the memory at once. So this entry point, and never a
library call, runs with the collector off and ends with `os._exit` after flushing its output.
"""

import gc
import os
import sys


def run() -> None:
    """The console script: run the CLI with the garbage collector off, then leave at once with its exit code."""
    gc.disable()
    from .cli import main

    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
