"""`python -m harness.virtual`: run the virtual charging station."""

from __future__ import annotations

from harness.virtual.cli import main

raise SystemExit(main())
