"""The one message classifier: what a message line means, whatever it came from.

A small layer above :mod:`wsgidoctor.core` and below the areas. Every message line - from an
error log, ``httpd -t``/``-M`` output, a start command's stderr, a journal, a bare pasted line -
is taken apart by :mod:`.lines` (Apache's prefix, errno, ``AH``/``WSGI`` code, the message) and
classified by :mod:`.signatures` into one event with its values; :mod:`.codes` holds mod_wsgi's
``WSGI####`` table (``wsgi_codes.json``), :mod:`.symbols` tells whose an undefined symbol is.

Events become facts through :func:`wsgidoctor.errorlog.scan_messages` (message lines of any origin)
or the error-log scanner (files), and findings through the rules of the areas: one cause, one
finding id and fix, in ``check`` and ``analyze`` alike.
"""
