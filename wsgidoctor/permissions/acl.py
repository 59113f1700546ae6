"""POSIX access ACLs, read from the ``system.posix_acl_access`` extended attribute and evaluated
for a given uid and groups, as the kernel's ``posix_acl_permission`` does.

No subprocess and no user switch: the attribute's binary form is a 4-byte version (2) followed
by 8-byte entries ``(tag u16, perm u16, id u32)``. A file without the attribute has only its
mode bits; a minimal ACL (owner, group, other) is the mode bits too.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import Optional

XATTR = "system.posix_acl_access"
USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


@dataclass(frozen=True)
class AclEntry:
    tag: int
    perm: int  # rwx as 4|2|1
    id: Optional[int]  # uid or gid for USER/GROUP entries


def parse(blob: bytes) -> Optional[list[AclEntry]]:
    """The entries of an ACL attribute value, or None when it is not one (wrong version, size)."""
    if len(blob) < 4 or (len(blob) - 4) % 8 or struct.unpack_from("<I", blob)[0] != 2:
        return None
    out = []
    for tag, perm, ident in struct.iter_unpack("<HHI", blob[4:]):
        out.append(AclEntry(tag, perm & 7, ident if tag in (USER, GROUP) else None))
    return out


def read(path: str) -> Optional[list[AclEntry]]:
    """The access ACL of ``path`` (following symlinks), or None when it has none or it is unreadable."""
    try:
        return parse(os.getxattr(path, XATTR))
    except (OSError, AttributeError):
        return None


def extended(entries: Optional[list[AclEntry]]) -> bool:
    """Whether an ACL has named users or groups (more than the mode bits say)."""
    return bool(entries) and any(e.tag in (USER, GROUP, MASK) for e in entries or ())


def permits(entries: list[AclEntry], owner: int, group: int, uid: int, gids: frozenset[int] | set[int],
            want: int) -> bool:
    """Whether ``uid``/``gids`` get all bits of ``want`` (4 read, 2 write, 1 search) from the ACL."""
    mask = next((e.perm for e in entries if e.tag == MASK), 7)
    for e in entries:
        if e.tag == USER_OBJ and uid == owner:
            return e.perm & want == want
    for e in entries:
        if e.tag == USER and e.id == uid:
            return e.perm & mask & want == want
    group_match = False
    for e in entries:
        if (e.tag == GROUP_OBJ and group in gids) or (e.tag == GROUP and e.id in gids):
            group_match = True
            if e.perm & mask & want == want:
                return True
    if group_match:
        return False
    other = next((e.perm for e in entries if e.tag == OTHER), 0)
    return other & want == want


def describe(entries: Optional[list[AclEntry]]) -> Optional[str]:
    """The named entries of an ACL as getfacl writes them (``user:33:--x,mask::r-x``), or None."""
    if not extended(entries):
        return None
    names = {USER: "user", GROUP: "group", MASK: "mask"}

    def rwx(p: int) -> str:
        return "".join(c if p & b else "-" for c, b in (("r", 4), ("w", 2), ("x", 1)))
    return ",".join(f"{names[e.tag]}:{'' if e.id is None else e.id}:{rwx(e.perm)}"
                    for e in entries or () if e.tag in names)
