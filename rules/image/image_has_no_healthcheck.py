"""IMG002 image-has-no-healthcheck."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.images.judge import config_origin, image_facts


@rule(
    code="IMG002",
    name="image-has-no-healthcheck",
    title="Image declares no health check",
    controls=["CONT-HEALTHCHECK"],
    target="image",
    kinds=["Image"],
    rationale=(
        "Outside an orchestrator with probes (docker run, Azure Container Instances, Compose), the image's "
        "HEALTHCHECK is the only signal that a model server has hung or lost its model. Without one a dead "
        "process that still holds its port looks healthy."
    ),
    remediation=(
        "Declare a cheap health probe in the final stage:\n\n"
        "```dockerfile\nHEALTHCHECK --interval=30s --timeout=3s --retries=3 \\\n"
        "  CMD [\"python\", \"-c\", \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')\"]\n```"
    ),
    references=("https://docs.docker.com/reference/dockerfile/#healthcheck",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The image config has a Healthcheck whose Test is not NONE."""
    facts = image_facts(res)
    config = facts.get("config") or {}
    hc = config.get("Healthcheck")
    if not isinstance(hc, dict) or not hc.get("Test"):
        yield Violation("image config has no HEALTHCHECK", path=("config", "Healthcheck"),
                        evidence=config_origin(res, ctx.inventory, "HEALTHCHECK"))
        return
    test = hc.get("Test")
    if isinstance(test, list) and test and str(test[0]).upper() == "NONE":
        yield Violation("HEALTHCHECK NONE disables the health check inherited from the base image",
                        path=("config", "Healthcheck", "Test"),
                        evidence=config_origin(res, ctx.inventory, "HEALTHCHECK"))
