"""``python -m biasaudit.cli``."""

from ._main import main

raise SystemExit(main())
