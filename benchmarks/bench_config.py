"""Reading and predicting a large configuration: N virtual hosts, each with a daemon group, a
WSGIProcessGroup, a <Directory> section and a WSGIScriptAlias (written to a temporary directory).

Prints the time to read the files, build the model and predict every mount. Everything is
linear in the size of the configuration; 2000 virtual hosts should take about a second.

    python benchmarks/bench_config.py [--vhosts N] [--files]   (--files: one file per vhost)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from wsgidoctor.config.model import build_model  # noqa: E402
from wsgidoctor.wsgi.predict import predict_mounts  # noqa: E402
from wsgidoctor.config.reader import read_config  # noqa: E402


def vhost(i: int) -> str:
    return (f"<VirtualHost *:80>\n  ServerName site{i}.example\n"
            f"  WSGIDaemonProcess site{i} processes=2 threads=5 python-home=/srv/site{i}/venv\n"
            f"  WSGIProcessGroup site{i}\n  WSGIScriptAlias / /srv/site{i}/app.wsgi\n"
            f"  <Directory /srv/site{i}>\n    Require all granted\n  </Directory>\n</VirtualHost>\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vhosts", type=int, default=2000)
    ap.add_argument("--files", action="store_true", help="one included file per virtual host")
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="wsgidoctor-bench-config-")
    try:
        head = f"ServerRoot {root}\nLoadModule mpm_event_module m.so\nListen 80\nWSGIPythonHome /srv/venv\n"
        if args.files:
            os.mkdir(os.path.join(root, "sites"))
            for i in range(args.vhosts):
                with open(os.path.join(root, "sites", f"{i:05d}.conf"), "w") as fh:
                    fh.write(vhost(i))
            body = "IncludeOptional sites/*.conf\n"
        else:
            body = "".join(vhost(i) for i in range(args.vhosts))
        with open(os.path.join(root, "httpd.conf"), "w") as fh:
            fh.write(head + body)
        t0 = time.perf_counter()
        tree = read_config(os.path.join(root, "httpd.conf"))
        t1 = time.perf_counter()
        model = build_model(tree)
        t2 = time.perf_counter()
        mounts = predict_mounts(model, local_host="bench.example")
        t3 = time.perf_counter()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{args.vhosts} virtual hosts, {len(tree.files)} files, {len(tree.directives)} directives, "
          f"{len(mounts)} mounts")
    print(f"  read     {t1 - t0:6.3f} s")
    print(f"  model    {t2 - t1:6.3f} s")
    print(f"  predict  {t3 - t2:6.3f} s")
    print(f"  total    {t3 - t0:6.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
