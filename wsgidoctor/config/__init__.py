"""The Apache configuration model: read the active configuration as httpd would, with file:line kept."""
