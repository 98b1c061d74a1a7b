"""``python -m safeguarding_metrics`` runs the command line."""

from .cli import main

raise SystemExit(main())
