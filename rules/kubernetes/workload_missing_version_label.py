"""K8S003 workload-missing-version-label."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.api import Context, NotApplicable, Params, Resource, Violation, rule
from auditor.k8s import POD_KINDS, controlling_owner, get, labels_of, pod_labels


class VersionLabelParams(Params):
    labels: tuple[str, ...] = (
        "app.kubernetes.io/version", "version", "app.version", "helm.sh/chart", "tags.datadoghq.com/version",
        "release-version",
    )


@rule(
    code="K8S003",
    name="workload-missing-version-label",
    title="Workload carries no version label",
    controls=["REPRO-TRACEABLE"],
    target="kubernetes",
    kinds=POD_KINDS,
    params=VersionLabelParams,
    rationale=(
        "Without a version label nobody can tell from the cluster which release of a model service is running, "
        "correlate an incident with a deployment, or select the pods of one version during a rollback."
    ),
    remediation=(
        "Label the workload and its pod template with the release it runs:\n\n"
        "```yaml\nmetadata:\n  labels:\n    app.kubernetes.io/name: scorer\n"
        "    app.kubernetes.io/version: \"1.4.0\"\n```"
    ),
    references=("https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """The object's labels or its pod template's labels include app.kubernetes.io/version or an equivalent
    (`version`, `app.version`, `helm.sh/chart`, `tags.datadoghq.com/version`, or any key ending in `/version`)
    with a non-empty value."""
    if controlling_owner(res, ctx.inventory) is not None:
        raise NotApplicable()  # judged at its controller
    wanted = set(ctx.params.labels)
    for labels in (labels_of(res), pod_labels(res)):
        for key, value in labels.items():
            if (str(key) in wanted or str(key).endswith("/version")) and value not in (None, ""):
                return
    has_labels = isinstance(get(res.data, "metadata", "labels"), Mapping)
    yield Violation(
        "has no app.kubernetes.io/version (or equivalent) label",
        path=("metadata", "labels") if has_labels else ("metadata",),
    )
