"""The standalone checker's entry point: `python -m go_static.check BINARY [options]`.

The checker itself lives in `go_static.core.checker` (see its `cli` module); this name is the
stable command line and the checker PEX's entry point.
"""

import sys

from go_static.core.checker.cli import main

if __name__ == "__main__":
    sys.exit(main())
