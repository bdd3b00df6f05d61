"""`python -m pipeline` is the same as the `nianbao` command."""

from .cli import main

raise SystemExit(main())
