"""AZ003 storage-shared-key-access."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.azure import STORAGE, as_bool, find, is_kind, path_of

COGNITIVE = "Microsoft.CognitiveServices/accounts"


@rule(
    code="AZ003",
    name="storage-shared-key-access",
    title="Storage account or Azure AI account accepts shared keys",
    controls=["DATA-IDENTITY-ACCESS"],
    target="azure",
    kinds=(STORAGE, COGNITIVE),
    rationale=(
        "Account keys grant full access to all data, never expire on their own, and leave no identity in the "
        "logs. Requiring Microsoft Entra identities makes every access attributable and revocable."
    ),
    remediation=(
        'Turn shared keys off and grant data roles to identities:\n\n```json\n"properties": {\n'
        '  "allowSharedKeyAccess": false\n}\n```\n\nAzure AI / OpenAI accounts: `"disableLocalAuth": true`.'
    ),
    references=("https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Storage: allowSharedKeyAccess must be false; absent (null) means shared keys are accepted. Azure AI
    (Cognitive Services, Azure OpenAI) accounts: disableLocalAuth must be true (absent means API keys work)."""
    if is_kind(res, COGNITIVE):
        value, path = find(res, "properties.disableLocalAuth")
        if as_bool(value) is not True:
            yield Violation("API keys are accepted (disableLocalAuth is not true)",
                            path=path or path_of(res, "properties.disableLocalAuth"))
        return
    value, path = find(res, "properties.allowSharedKeyAccess")
    flag = as_bool(value)
    if flag is True:
        yield Violation("allowSharedKeyAccess is true", path=path)
    elif flag is None:
        yield Violation("allowSharedKeyAccess is not set: shared keys are accepted",
                        path=path_of(res, "properties.allowSharedKeyAccess"))
