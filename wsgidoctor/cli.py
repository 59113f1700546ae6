"""Command line: argument parsing and lazy dispatch. Only this module and renderers print."""

from __future__ import annotations

import sys
from typing import Optional, Sequence

from wsgidoctor import __version__


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["--version"], ["-V"]):
        print(f"wsgidoctor {__version__}")
        return 0
    print("usage: wsgidoctor {check,report,analyze,explain} ...", file=sys.stderr)
    return 3
