"""``python -m wsgidoctor`` runs the command line."""

from wsgidoctor.cli.main import main

raise SystemExit(main())
