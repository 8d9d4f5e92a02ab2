"""AZ008 custom-role-wildcard-actions."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotApplicable, Resource, Violation, rule
from auditor.azure import ROLE_DEFINITION, eq, find, items


@rule(
    code="AZ008",
    name="custom-role-wildcard-actions",
    title="Custom role grants wildcard actions",
    controls=["IAM-NO-WILDCARD-ROLES"],
    target="azure",
    kinds=(ROLE_DEFINITION,),
    rationale=(
        "A custom role with `*` in its actions is Owner by another name (or Contributor, with `*` and a few "
        "notActions): it grows silently as Azure adds operations, and reviewers reading the role's name miss it."
    ),
    remediation=(
        "List the operations the role needs:\n\n"
        '```json\n"permissions": [{\n  "actions": [\n    "Microsoft.MachineLearningServices/workspaces/jobs/read",\n'
        '    "Microsoft.MachineLearningServices/workspaces/jobs/write"\n  ]\n}]\n```'
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """A custom role definition (built-in roles are skipped) fails when an action in any permission block is
    `*` or starts with `*/` (every provider)."""
    rtype, _ = find(res, "properties.type")
    if eq(rtype, "BuiltInRole"):
        raise NotApplicable()
    perms, base = find(res, "properties.permissions")
    for i, perm in enumerate(items(perms)):
        for key in ("actions", "dataActions"):
            acts, apath = find(perm, key)
            for j, action in enumerate(items(acts)):
                if isinstance(action, str) and (action.strip() == "*" or action.strip().startswith("*/")):
                    yield Violation(f"{key} grants {action!r}", path=(*base, i, *apath, j))
