"""Malformed ELF and Mach-O files through the linkage examination: mutated real modules.

Each seed is a real file (Debian's mod_wsgi.so when installed, the built test modules in
fixtures/linkage, and Mach-O files written with make_macho.py since macOS cannot run here). Each is
cut, bit-flipped in its headers and tables, and zeroed in places, deterministically; every mutant
must come back from ``examine`` as facts (a problem recorded, or whatever could be read), in
bounded time, and the rules must digest those facts. WSGIDOCTOR_FUZZ_LINKAGE scales the count.
"""

from __future__ import annotations

import importlib.util
import os
import random
import struct
import threading
from pathlib import Path

import pytest

from wsgidoctor.linkage import examine
from wsgidoctor.areas import derive_all, diagnose

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "linkage"
PER_SEED = int(os.environ.get("WSGIDOCTOR_FUZZ_LINKAGE", "150"))
CALL_LIMIT = 20.0  # seconds: a guard against hangs, not a speed target


def _make_macho():
    spec = importlib.util.spec_from_file_location("make_macho", FIXTURES / "make_macho.py")
    mm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mm)
    return mm


def seeds() -> dict[str, bytes]:
    out = {p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*.so*")) if p.is_file()}
    debian = Path("/usr/lib/apache2/modules/mod_wsgi.so")
    if debian.exists():
        out["debian-mod_wsgi.so"] = debian.read_bytes()
    mm = _make_macho()
    framework = "/Library/Frameworks/Python.framework/Versions/3.12/Python"
    bundle = mm.thin(dylibs=[("load", framework)], rpaths=["@loader_path/../lib"],
                     undefined=[("_PyObject_GetAttr", 1)])
    out["macho-bundle"] = bundle
    out["macho-fat"] = mm.fat([("x86_64", bundle), ("arm64", mm.thin(arch="arm64", dylibs=[("load", framework)]))])
    return out


def mutants(name: str, data: bytes, count: int):
    """Deterministic mutations of ``data``: cuts, header/table bit flips, zeroed ranges, huge offsets."""
    rnd = random.Random(f"{name}-{len(data)}")
    head = min(len(data), 4096)
    for i in range(count):
        buf = bytearray(data)
        kind = i % 5
        if kind == 0:  # truncated anywhere, most often inside the headers
            cut = rnd.randrange(0, head) if rnd.random() < 0.6 else rnd.randrange(0, len(buf))
            buf = buf[:cut]
        elif kind == 1:  # bit flips in the headers and load commands
            for _ in range(rnd.randint(1, 8)):
                buf[rnd.randrange(head)] ^= 1 << rnd.randrange(8)
        elif kind == 2:  # flips anywhere (dynamic section, symbol and string tables)
            for _ in range(rnd.randint(1, 64)):
                buf[rnd.randrange(len(buf))] = rnd.randrange(256)
        elif kind == 3:  # a zeroed range
            start = rnd.randrange(len(buf))
            buf[start:start + rnd.randint(1, 4096)] = bytes(min(4096, len(buf) - start))
        else:  # an offset or count field set to something absurd
            pos = rnd.randrange(0, max(1, head - 8))
            buf[pos:pos + 8] = struct.pack("<Q", rnd.choice([2**63 - 1, 2**32 - 1, 0xFFFF, len(buf) * 7]))
        yield f"{name}#{i}", bytes(buf)


def examine_guarded(path: str) -> dict:
    box: dict = {}

    def work() -> None:
        try:
            facts = examine.examine(examine.Inputs(module=path, start_env={}, start_env_source="envvars",
                                                   scan_installations=False))
            facts = derive_all(facts)
            box["findings"] = diagnose(facts)
            box["facts"] = facts
        except BaseException as exc:  # noqa: BLE001 - the assertion below reports it
            box["exc"] = exc

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(CALL_LIMIT)
    assert not t.is_alive(), f"examine did not finish within {CALL_LIMIT}s"
    assert "exc" not in box, f"{type(box['exc']).__name__}: {box['exc']}"
    return box


SEEDS = seeds()


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_mutated_binaries_give_facts_or_a_finding_never_an_exception(seed, tmp_path):
    problems = 0
    for label, data in mutants(seed, SEEDS[seed], PER_SEED):
        path = tmp_path / "mod_wsgi.so"
        path.write_bytes(data)
        box = examine_guarded(str(path))
        facts = box["facts"]["linkage"] if "linkage" in box["facts"] else box["facts"]
        if facts.get("problem") or any(f.id == "module-not-loadable" for f in box["findings"]):
            problems += 1
    # Truncations inside the headers (a fifth of the mutants, mostly) must be recognised as broken.
    assert problems >= PER_SEED // 10, f"only {problems} of {PER_SEED} mutants of {seed} were found unloadable"


def test_the_unmutated_seeds_examine_cleanly(tmp_path):
    for name, data in SEEDS.items():
        path = tmp_path / name
        path.write_bytes(data)
        facts = examine_guarded(str(path))["facts"]
        linkage = facts.get("linkage", facts)
        assert not linkage.get("problem"), (name, linkage.get("problem"))
