"""An image made of this machine's real Debian files (os-release, passwd, dpkg status, shells, setuid
binaries), read back and compared with what dpkg and the filesystem themselves say."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from auditor.collectors.image import collect
from tests.images.builder import LayerBuilder, assemble, make_layer
from tests.images.sources import write_as

pytestmark = pytest.mark.skipif(shutil.which("dpkg-query") is None or not Path("/etc/debian_version").exists(),
                                reason="needs a Debian host")
FILES = ("etc/os-release", "usr/lib/os-release", "etc/passwd", "etc/group", "var/lib/dpkg/status",
         "usr/bin/dash", "usr/bin/apt-get", "usr/bin/dpkg", "usr/bin/su", "usr/bin/passwd", "usr/bin/mount")


def test_real_debian_files(tmp_path: Path) -> None:
    lb = LayerBuilder()
    expected_setuid = []
    for rel in FILES:
        p = Path("/") / rel
        if p.is_symlink():
            lb.symlink(rel, os.readlink(p))
        elif p.is_file():
            st = p.stat()
            lb.file(rel, p.read_bytes(), stat.S_IMODE(st.st_mode))
            if st.st_mode & 0o6000:
                expected_setuid.append(rel)
    for rel in ("bin", "sbin", "lib"):
        if (Path("/") / rel).is_symlink():
            lb.symlink(rel, os.readlink(Path("/") / rel))
    lb.symlink("usr/bin/sh", "dash")
    img = assemble({"config": {"User": "nobody"}}, [make_layer(lb.finish())])
    got = collect(write_as(img, "oci", tmp_path).partition(":")[2], {"scheme": "oci"})
    facts = got.resources[0].data
    installed = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev}\n"], capture_output=True,
                               text=True, check=True).stdout.splitlines()
    assert facts["packages"] == {"manager": "dpkg", "count": sum(1 for s in installed if s[1:2] == "i")}
    release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
    assert facts["os"]["id"] == release["ID"] and facts["os"]["version_id"] == release["VERSION_ID"].strip('"')
    nobody = next(line.split(":") for line in Path("/etc/passwd").read_text().splitlines()
                  if line.startswith("nobody:"))
    assert facts["user"] == {"raw": "nobody", "name": "nobody", "uid": int(nobody[2]), "source": "/etc/passwd"}
    assert [s["path"] for s in facts["setuid_files"]] == sorted(expected_setuid)
    assert "bin/sh" in facts["shells"] and "usr/bin/apt-get" in facts["package_managers"]
