"""`python -m tutorbot` is the `tutorbot` command."""

from tutorbot.cli import main

raise SystemExit(main())
