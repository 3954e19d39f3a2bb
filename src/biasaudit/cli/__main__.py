"""``python -m biasaudit.cli``, as before the command line became a package."""

from ._main import main

raise SystemExit(main())
