"""wsgidoctor: an installation doctor for Apache + mod_wsgi.

Importing this package is deliberately cheap: it defines the version and nothing else, so that
``wsgidoctor --version`` and the pytest plugin cost almost nothing until they are used.
"""

__version__ = "0.1.0"
