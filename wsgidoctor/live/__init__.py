"""Live mode: a throwaway Apache on 127.0.0.1 with the user's own httpd, mod_wsgi.so and WSGI directives."""
