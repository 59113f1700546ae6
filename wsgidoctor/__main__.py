"""``python -m wsgidoctor`` runs the command line."""

from wsgidoctor.cli import main

raise SystemExit(main())
