"""Helpers for the image rules: read an Image resource's facts safely and describe where things came from."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import shlex
from collections.abc import Mapping
from typing import Any

from auditor.inventory import Inventory
from auditor.model import NotAssessed, Resource
from auditor.secrets import redact_text

FACTS_SCHEMA = 1
# `RUN |2 A=1 B=2 /bin/sh -c ...` (BuildKit) and `|2 A=1 B=2 /bin/sh -c ...` (legacy builder)
_HISTORY_ARGS_RE = re.compile(r"^((?:RUN )?)\|\d+(?: [A-Za-z_][A-Za-z0-9_]*=\S*)* ")


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
    text = " ".join(str(created_by).split())
    text = _HISTORY_ARGS_RE.sub(r"\1", text)  # build-argument values are never shown
    text = redact_text(text)
    if text.endswith(" # buildkit"):
        text = text[: -len(" # buildkit")]
    nop = re.match(r"^/bin/sh -c #\(nop\)\s+", text)
    if nop:  # legacy builder, non-RUN step: `/bin/sh -c #(nop) COPY ...`
        text = text[nop.end():]
    else:  # a RUN step, from BuildKit (`RUN /bin/sh -c ...`) or the legacy builder (`/bin/sh -c ...`)
        run = re.match(r"^(?:RUN )?/bin/(?:ba)?sh -c ", text)
        if run:
            text = "RUN " + text[run.end():]
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


# ---- linking an image to the Dockerfile it was built from ----------------------------------------
_BUILDKIT_ARGS_RE = re.compile(r"^\|\d+(?:\s+[A-Za-z_][A-Za-z0-9_]*=\S*)*\s+")
_FLAG_RE = re.compile(r"(?:^|\s)--[a-z-]+(?:=\S+)?")


def _norm_history(created_by: str) -> tuple[str, str]:
    """(instruction, normalised text) of a history entry, from BuildKit or the legacy builder."""
    text = created_by.strip()
    if text.endswith("# buildkit"):
        text = text[: -len("# buildkit")].strip()
    cmd = "RUN"
    if text.startswith("RUN "):
        text = text[4:].strip()
    elif re.match(r"^[A-Z]+ ", text) and not text.startswith("/"):
        cmd, _, text = text.partition(" ")
    text = _BUILDKIT_ARGS_RE.sub("", text)
    for prefix in ("/bin/sh -c ", "/bin/bash -c ", "sh -c "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if text.startswith("#(nop)"):
        text = text[len("#(nop)"):].strip()
        cmd, _, text = text.partition(" ")
    return cmd.upper(), " ".join(_FLAG_RE.sub(" ", text).split())


def _norm_instruction(ins: Any) -> tuple[str, str]:
    value = " ".join(ins.json_args) if ins.json_args else ins.value
    return str(ins.cmd).upper(), " ".join(_FLAG_RE.sub(" ", str(value)).split())


def _same(history: tuple[str, str], ins: tuple[str, str]) -> bool:
    if history[0] != ins[0]:
        return False
    if history[1] == ins[1]:
        return True
    if history[0] in ("COPY", "ADD"):  # the legacy builder writes `COPY file:<hash> in /dest`
        dest_h = history[1].rsplit(" in ", 1)[-1].split()[-1:] if history[1] else []
        dest_i = ins[1].split()[-1:]
        return bool(dest_h) and dest_h == dest_i
    return False


_LABEL_KEYS = ("org.opencontainers.image.source", "org.opencontainers.image.title", "org.opencontainers.image.url")


def _dockerfile_labels(dockerfile: Resource) -> dict[str, str]:
    """Literal LABELs of the final stage (values with variables are left out)."""
    stages = getattr(dockerfile.data, "stages", None)
    out: dict[str, str] = {}
    if not stages:
        return out
    for ins in stages[-1].instructions:
        if str(ins.cmd).upper() != "LABEL":
            continue
        try:
            words = shlex.split(str(ins.value))
        except ValueError:
            continue
        for w in words:
            key, sep, value = w.partition("=")
            if sep and "$" not in value:
                out[key] = value
    return out


def paired_dockerfile(res: Resource, inventory: Inventory) -> Resource | None:
    """The Dockerfile scanned together with this image: one whose final stage sets the same literal OCI
    source/title/url labels the image carries; else the one in the image's directory; else the only one."""
    dockerfiles = list(inventory.of_target("dockerfile"))
    if not dockerfiles:
        return None
    facts = res.data if isinstance(res.data, Mapping) else {}
    labels = (facts.get("config") or {}).get("Labels") or {}
    wanted = {k: str(labels[k]) for k in _LABEL_KEYS if labels.get(k)}
    if wanted:
        by_label = [d for d in dockerfiles
                    if (lab := _dockerfile_labels(d)) and any(lab.get(k) == v for k, v in wanted.items())]
        if len(by_label) == 1:
            return by_label[0]
    where = posixpath.dirname(posixpath.normpath(res.location.path.replace("\\", "/")))
    near = [d for d in dockerfiles if posixpath.dirname(posixpath.normpath(d.location.path)) == where]
    if len(near) == 1:
        return near[0]
    return dockerfiles[0] if len(dockerfiles) == 1 else None


def dockerfile_lines(facts: Mapping[str, Any], dockerfile: Resource) -> dict[int, int]:
    """Layer index -> line of the final stage's instruction that made it, aligning the image history
    with the Dockerfile from the end (the final stage's steps are the last history entries)."""
    model = dockerfile.data
    stages = getattr(model, "stages", None)
    if not stages:
        return {}
    instructions = [i for i in stages[-1].instructions if str(i.cmd).upper() != "FROM"]
    history = facts.get("history") or []
    out: dict[int, int] = {}
    pos = len(instructions)
    for h in reversed(history):
        if not isinstance(h, Mapping) or pos == 0:
            break
        norm = _norm_history(str(h.get("created_by") or ""))
        for j in range(pos - 1, -1, -1):
            if _same(norm, _norm_instruction(instructions[j])):
                if h.get("layer") is not None:
                    out[int(h["layer"])] = int(instructions[j].line)
                pos = j
                break
    return out


def dockerfile_instruction_line(dockerfile: Resource, cmd: str) -> int | None:
    """Line of the final stage's last `cmd` instruction (USER, HEALTHCHECK...), else its FROM line."""
    stages = getattr(dockerfile.data, "stages", None)
    if not stages:
        return None
    final = stages[-1]
    found = [i.line for i in final.instructions if str(i.cmd).upper() == cmd]
    return int(found[-1]) if found else int(final.line)


def origin_evidence(res: Resource, ctx_inventory: Inventory, facts: Mapping[str, Any], layer: int | None) -> str | None:
    """`introduced at Dockerfile:14` when a paired Dockerfile's final stage made that layer."""
    if layer is None:
        return None
    df = paired_dockerfile(res, ctx_inventory)
    if df is None:
        return None
    line = dockerfile_lines(facts, df).get(layer)
    return f"introduced at {df.location.path}:{line}" if line is not None else None


def with_origin(evidence: str | None, res: Resource, inventory: Inventory, facts: Mapping[str, Any],
                layer: int | None) -> str | None:
    """Evidence plus the paired Dockerfile line that brought the layer in, when there is one."""
    origin = origin_evidence(res, inventory, facts, layer)
    parts = [p for p in (evidence, origin) if p]
    return "; ".join(parts) if parts else None


def config_origin(res: Resource, inventory: Inventory, cmd: str) -> str | None:
    """`set at Dockerfile:9` for a config field (USER, HEALTHCHECK) of a paired Dockerfile's final stage."""
    df = paired_dockerfile(res, inventory)
    if df is None:
        return None
    line = dockerfile_instruction_line(df, cmd)
    return f"final stage at {df.location.path}:{line}" if line is not None else None
