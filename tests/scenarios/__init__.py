"""The scenario suite: real broken Apache + mod_wsgi installations and the findings they must give."""
