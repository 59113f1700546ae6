import subprocess
import sys

from wsgidoctor import __version__


def test_version_is_printed_by_the_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "wsgidoctor", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.strip() == f"wsgidoctor {__version__}"
