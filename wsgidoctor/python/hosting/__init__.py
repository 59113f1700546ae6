"""The hosting program wrapper: run the probe WSGI scripts in-process inside the libpython mod_wsgi would load."""
