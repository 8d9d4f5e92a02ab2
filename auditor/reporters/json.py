"""JSON: the canonical dump of the Report model.

`render_bytes` streams findings one at a time into the output, so a scan with tens of thousands of
results does not hold a second, serialised copy of all of them (plus its indented text) in memory.
"""

from __future__ import annotations

import io
import json

from auditor.report import Report
from auditor.reporters import RenderOptions


def render(report: Report, options: RenderOptions) -> str:
    return render_bytes(report, options).decode("utf-8")


def render_bytes(report: Report, options: RenderOptions) -> bytes:
    out = io.BytesIO()
    head = report.model_dump(mode="json", exclude={"findings"})
    out.write(b"{")
    first = True
    for name in Report.model_fields:
        out.write(b"" if first else b",")
        first = False
        out.write(b'\n  "' + name.encode() + b'": ')
        if name == "findings":
            out.write(b"[")
            for i, f in enumerate(report.findings):
                out.write(b"\n    " if i == 0 else b",\n    ")
                out.write(f.__pydantic_serializer__.to_json(f))
            out.write(b"\n  ]" if report.findings else b"]")
        else:
            text = json.dumps(head[name], indent=2, ensure_ascii=False)
            out.write(text.replace("\n", "\n  ").encode("utf-8"))
    out.write(b"\n}\n")
    return out.getvalue()
