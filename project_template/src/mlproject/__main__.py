"""`python -m mlproject ...` runs the command line (see cli.py)."""

from mlproject.cli import main

raise SystemExit(main())
