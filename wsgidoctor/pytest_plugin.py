"""pytest plugin for testing Apache + mod_wsgi installations (registered under ``pytest11``).

It loads in every pytest run of an environment where wsgidoctor is installed, so importing it
must stay cheap and it must probe nothing until a fixture asks.
"""

from __future__ import annotations
