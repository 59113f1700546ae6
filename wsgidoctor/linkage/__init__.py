"""Linkage: which libpython mod_wsgi.so loads, read from the files as the loader would (ELF and Mach-O)."""
