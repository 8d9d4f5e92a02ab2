"""AZ001 storage-public-blob-access."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.api import Context, NotAssessed, Resource, Violation, rule
from auditor.azure import (
    BLOB_CONTAINER,
    STORAGE,
    api_version,
    as_bool,
    eq,
    find,
    from_template,
    is_kind,
    path_of,
)

# Microsoft.Storage documents the default of allowBlobPublicAccess as "true" up to API 2022-09-01 and as
# "false" from 2023-01-01 on (accounts created since then disallow anonymous access unless asked).
DEFAULT_FALSE_FROM = "2023-01-01"


@rule(
    code="AZ001",
    name="storage-public-blob-access",
    title="Storage account or container allows anonymous public read access",
    controls=["DATA-NO-PUBLIC-ACCESS"],
    target="azure",
    kinds=(STORAGE, BLOB_CONTAINER),
    rationale=(
        "Anonymous blob access lets anyone on the internet read training data, model weights or logs by URL, "
        "with no identity and no audit trail. One container made public by mistake leaks everything in it."
    ),
    remediation=(
        "Disallow anonymous access on the account, and keep containers private:\n\n"
        '```json\n"properties": {\n  "allowBlobPublicAccess": false\n}\n```\n\n'
        'On containers, set `"publicAccess": "None"`.'
    ),
    references=("https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """Storage accounts must set allowBlobPublicAccess false (an absent value follows the API version's
    documented default: true before 2023-01-01, false from it; unknown on live data = not assessed);
    blob containers must have publicAccess None."""
    if is_kind(res, BLOB_CONTAINER):
        access, path = find(res, "properties.publicAccess")
        if access is not None and not eq(access, "None"):
            yield Violation(f"container allows anonymous {access} access", path=path)
        return
    value, path = find(res, "properties.allowBlobPublicAccess")
    flag = as_bool(value)
    if flag is True:
        yield Violation("allowBlobPublicAccess is true: containers may be made public", path=path)
    elif flag is None:
        api = api_version(res)
        if not from_template(res) or not api:
            raise NotAssessed("allowBlobPublicAccess is not reported; its default depends on when the account was made")
        if api < DEFAULT_FALSE_FROM:
            yield Violation(f"allowBlobPublicAccess is not set: with API {api} it defaults to true",
                            path=path_of(res, "properties.allowBlobPublicAccess"))
