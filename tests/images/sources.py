"""Write one built image to every local transport, returning the scan targets that read it back."""

from __future__ import annotations

from pathlib import Path

from .builder import Image, write_docker_archive, write_oci_archive, write_oci_layout

LOCAL_SOURCES = ("oci", "oci-archive", "docker-archive", "docker-archive-25")


def write_as(img: Image, source: str, tmp: Path, tag: str = "1.4") -> str:
    """The target string (`oci:DIR:TAG`, `oci-archive:FILE`, `docker-archive:FILE`) for `img` written as `source`."""
    tmp.mkdir(parents=True, exist_ok=True)
    if source == "oci":
        return f"oci:{write_oci_layout(img, tmp / 'layout', tag)}:{tag}"
    if source == "oci-archive":
        return f"oci-archive:{write_oci_archive(img, tmp / 'image-oci.tar', tag)}"
    if source == "docker-archive":
        return f"docker-archive:{write_docker_archive(img, tmp / 'image-docker.tar', legacy=True)}"
    if source == "docker-archive-25":
        return f"docker-archive:{write_docker_archive(img, tmp / 'image-docker25.tar', legacy=False)}"
    raise ValueError(source)
