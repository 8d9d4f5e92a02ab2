"""K8S021 tracing-not-configured."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.k8s import (
    SERVING_KINDS,
    TRACING_ENV_RE,
    is_off,
    otel_injection,
    require_pod_spec,
    workload_env,
)

_AGENT_RE = re.compile(r"(?i)-javaagent:\S*(applicationinsights-agent|opentelemetry-javaagent|dd-java-agent|"
                       r"elastic-apm-agent)")


@rule(
    code="K8S021",
    name="tracing-not-configured",
    title="Serving workload is not instrumented for distributed tracing",
    controls=["MON-TRACING"],
    target="kubernetes",
    kinds=SERVING_KINDS,
    rationale=(
        "An inference request crosses a gateway, a feature store, the model server and its dependencies; "
        "without trace context there is no way to tell which hop made it slow or failed."
    ),
    remediation=(
        "Enable OpenTelemetry: let the OpenTelemetry Operator inject it, or configure the SDK through env:\n\n"
        "```yaml\nmetadata:\n  annotations:\n    instrumentation.opentelemetry.io/inject-python: \"true\"\n"
        "# or\nenv:\n  - {name: OTEL_SERVICE_NAME, value: scorer}\n"
        "  - {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: http://otel-collector.monitoring:4317}\n```"
    ),
    references=("https://opentelemetry.io/docs/kubernetes/operator/automatic/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A serving workload shows tracing instrumentation: an OpenTelemetry Operator inject-* annotation; an
    env var (own or from an envFrom ConfigMap in the scan) of OpenTelemetry (OTEL_*), Application Insights,
    Jaeger, Zipkin, Datadog APM or Elastic APM, or one naming tracing (ENABLE_TRACING...), that is not
    switched off (false/0/none); or a -javaagent option loading the Application Insights / OpenTelemetry
    agent. OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none do not count."""
    spec, base = require_pod_spec(res, ctx.inventory)
    if otel_injection(res):
        return
    env = workload_env(res, ctx.inventory)
    if not any(e.name.upper() == "OTEL_SDK_DISABLED" and str(e.value).lower() == "true" for e in env):
        for e in env:
            name = e.name.upper()
            if "DISABLE" in name or name == "OTEL_SDK_DISABLED":
                continue
            if TRACING_ENV_RE.search(name) and not is_off(e.value):
                return
            if isinstance(e.value, str) and _AGENT_RE.search(e.value):
                return  # JAVA_TOOL_OPTIONS=-javaagent:applicationinsights-agent.jar and the like
    yield Violation("has no tracing instrumentation (OpenTelemetry env or injection "
                    "annotation, or an APM agent)", path=(*base, "containers"))
