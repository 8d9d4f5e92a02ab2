"""K8S027 model-server-without-startup-probe."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Params, Resource, Violation, rule
from auditor.k8s import (
    CONTAINER_KINDS,
    get,
    has_probe,
    long_running_containers,
    model_server_signals,
    quantity,
    require_pod_spec,
)


class StartupParams(Params):
    memory_threshold: str = "4Gi"  # a memory request/limit at least this large suggests a large model
    min_initial_delay: int = 60  # liveness initialDelaySeconds at least this long counts as generous


@rule(
    code="K8S027",
    name="model-server-without-startup-probe",
    title="Model server with a liveness probe has no startup probe",
    controls=["OPS-STARTUP"],
    target="kubernetes",
    kinds=CONTAINER_KINDS,
    params=StartupParams,
    applies=lambda r: r.kind not in ("Job", "CronJob", "RayJob"),
    rationale=(
        "Loading a large model takes minutes; a liveness probe that starts checking right away kills the "
        "container before it finishes, and the pod crash-loops forever under exactly the load that scaled it up."
    ),
    remediation=(
        "Give loading its own budget with a startup probe (liveness starts only after it succeeds):\n\n"
        "```yaml\nstartupProbe:\n  httpGet: {path: /healthz, port: 8080}\n  periodSeconds: 10\n"
        "  failureThreshold: 60   # up to 10 minutes to load\n```"
    ),
    references=("https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"
                "#define-startup-probes",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A long-running container with a livenessProbe that looks like it loads a large model (a model-server
    image such as tritonserver, torchserve, vllm, TGI, MLServer, or a KServe/Seldon `*server` image, not every
    image of those projects; a GPU request; memory of at least `memory_threshold`; env naming a model; a command
    or args that start a model server or name a model) declares a startupProbe, or gives its liveness probe
    initialDelaySeconds of at least `min_initial_delay`. KServe ServingRuntimes, LLMInferenceServices and
    Ray/Seldon/LeaderWorkerSet pod templates are judged like Deployments. Other containers are not judged."""
    require_pod_spec(res, ctx.inventory)
    threshold = quantity(ctx.params.memory_threshold) or float(4 * 2**30)
    judged = False
    for c in long_running_containers(res):
        if not has_probe(c, "livenessProbe"):
            continue
        why = model_server_signals(c, threshold)
        if not why:
            continue
        judged = True
        if has_probe(c, "startupProbe"):
            continue
        delay = get(c.data, "livenessProbe", "initialDelaySeconds")
        try:
            if delay is not None and int(delay) >= ctx.params.min_initial_delay:
                continue
        except (TypeError, ValueError):
            pass
        yield Violation(f"{c.label} looks like a model server ({'; '.join(why)}) but has no startupProbe and its "
                        f"liveness probe starts after {delay or 0}s", path=(*c.path, "livenessProbe"),
                        evidence="; ".join(why))
    if not judged:
        raise NotApplicable()
