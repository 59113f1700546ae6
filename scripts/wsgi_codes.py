"""Regenerate wsgidoctor/messages/wsgi_codes.json from a mod_wsgi git checkout.

mod_wsgi tags its higher-severity log messages with ``WSGI####`` codes from 6.0.0 on (4.x and
5.x have none). The codes are allocated in the C sources with ``WSGI_APLOGNO(nnnn)`` and each is
described in docs/error-reference.rst. This script reads every ``mod_wsgi-6*`` tag (and
``develop``), records per code the severity, a one-line meaning (the reference's heading), the
logged wording, the first tag whose sources use it and whether it is retired, and keeps the
``event`` each code is mapped to by hand in the existing JSON (the event the classifier gives a
line with that code). Facts only: no source text is copied beyond the message wording.

    python scripts/wsgi_codes.py /path/to/mod_wsgi > wsgidoctor/messages/wsgi_codes.json
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "wsgidoctor" / "messages" / "wsgi_codes.json"


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, check=True).stdout


def tags(repo: str) -> list[str]:
    found = [t for t in git(repo, "tag").split() if re.fullmatch(r"mod_wsgi-6\.\d+\.\d+", t)]
    return sorted(found, key=lambda t: tuple(int(n) for n in re.findall(r"\d+", t)))


def reference(text: str) -> dict[str, dict[str, str]]:
    out = {}
    parts = re.split(r"\n\.\. _(WSGI\d{4}):\n", text)
    for code, body in zip(parts[1::2], parts[2::2]):
        title = re.search(r"WSGI\d{4} \u2014 (.*)", body)
        severity = re.search(r":Severity: (\S+)", body)
        logged = re.search(r":Logged message:\n((?:   .*\n|\n)+?)\n:", body)
        message = ""
        if logged:
            m = re.search(r"``(.+?)``", " ".join(logged.group(1).split()))
            message = m.group(1) if m else ""
        out[code] = {"meaning": title.group(1).strip() if title else "",
                     "severity": severity.group(1).lower() if severity else None,
                     "message": message}
    return out


def main() -> int:
    repo = sys.argv[1]
    previous = json.loads(OUT.read_text()).get("codes", {}) if OUT.exists() else {}
    codes: dict[str, dict] = {}
    refs = tags(repo) + ["develop"]
    for ref in refs:
        used = set(re.findall(r"WSGI_APLOGNO\((\d{4})\)", git(repo, "grep", "-h", "WSGI_APLOGNO(", ref, "--", "src")))
        doc = reference(git(repo, "show", f"{ref}:docs/error-reference.rst"))
        for code, entry in doc.items():
            item = codes.setdefault(code, {"since": None, "event": previous.get(code, {}).get("event")})
            item.update(entry)
            if code[4:] in used and item["since"] is None:
                item["since"] = ref.replace("mod_wsgi-", "")
            item["retired"] = entry["meaning"] == "(retired)" or code[4:] not in used
    json.dump({
        "provenance": ("GrahamDumpleton/mod_wsgi: WSGI_APLOGNO(n) in src/ and docs/error-reference.rst, "
                       f"tags {refs[0]} .. {refs[-2]} and develop; mod_wsgi 4.x and 5.x log no codes. "
                       "'event' is wsgidoctor's own mapping. Regenerate with scripts/wsgi_codes.py."),
        "codes": dict(sorted(codes.items())),
    }, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
