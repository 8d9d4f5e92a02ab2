"""Helpers for the image rules: read an Image resource's facts safely and describe where things came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from auditor.model import NotAssessed, Resource
from auditor.secrets import redact_text

FACTS_SCHEMA = 1


def image_facts(res: Resource) -> Mapping[str, Any]:
    """The facts dict of an Image resource; NotAssessed when it is missing or of another schema."""
    data = res.data
    if not isinstance(data, Mapping) or data.get("schema") != FACTS_SCHEMA:
        raise NotAssessed("the image's facts are missing or from an unknown collector version")
    return data


def require(facts: Mapping[str, Any], key: str, why: str) -> Any:
    value = facts.get(key)
    if value is None:
        raise NotAssessed(why)
    return value


def layer_note(facts: Mapping[str, Any], layer: int | None) -> str:
    """`layer 2 (RUN apt-get update ...)`: where in the build something came in, secrets redacted."""
    if layer is None:
        return "an unknown layer"
    created_by = None
    layers = facts.get("layers") or []
    if isinstance(layers, list) and 0 <= layer < len(layers) and isinstance(layers[layer], Mapping):
        created_by = layers[layer].get("created_by")
    if not created_by:
        return f"layer {layer}"
    text = " ".join(redact_text(str(created_by)).split())
    for prefix in ("/bin/sh -c #(nop) ", "/bin/sh -c "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if len(text) > 80:
        text = text[:77] + "..."
    return f"layer {layer} ({text})"


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def build_date(facts: Mapping[str, Any]) -> dt.date | None:
    """The image's creation date; None when absent, unparsable, or a reproducible-build epoch (before 2000)."""
    raw = facts.get("created")
    if not isinstance(raw, str) or not raw:
        return None
    text = raw.strip().replace("Z", "+00:00")
    if "." in text:  # Go writes nanoseconds; Python takes at most microseconds
        head, _, rest = text.partition(".")
        frac = "".join(ch for ch in rest if ch.isdigit())
        tz = rest[len(frac):]
        text = f"{head}.{frac[:6]}{tz}"
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.year < 2000:
        return None
    return when.date()
