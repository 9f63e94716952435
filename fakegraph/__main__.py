"""`python -m fakegraph` runs the command line."""

from fakegraph.cli import main

raise SystemExit(main())
