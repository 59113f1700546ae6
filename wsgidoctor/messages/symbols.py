"""Say who should have provided a symbol that ``Cannot load ... undefined symbol: X`` names."""

from __future__ import annotations

from wsgidoctor.core.lazyre import lazy_re

_APACHE = lazy_re(r"^(?:ap_|apr_|apu_|unixd_|ap[A-Z]|APR_|AP_)")
_PYTHON = lazy_re(r"^_?Py|^_Py|^PyExc_")
#: Python 2 only C API names: a module using them was built for Python 2.
_PYTHON2_ONLY = lazy_re(r"^(?:_Py_ZeroStruct|_Py_TrueStruct|Py_InitModule\w*|PyString_\w+|PyInt_\w+|"
                        r"PyClass_\w+|PyInstance_\w+|PyCObject_\w+|PyFile_AsFile)$")


def symbol_owner(symbol: str) -> str:
    """``"apache"`` (httpd/APR), ``"python"`` (libpython) or ``"other"`` (libc, libutil, the compiler)."""
    symbol = symbol.strip().split("@", 1)[0]
    if _APACHE.match(symbol):
        return "apache"
    if _PYTHON.match(symbol):
        return "python"
    return "other"


def is_python2_symbol(symbol: str) -> bool:
    """True for C API names that exist only in Python 2 (``PyString_FromString``...)."""
    return bool(_PYTHON2_ONLY.match(symbol.strip().split("@", 1)[0]))
