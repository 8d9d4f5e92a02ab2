"""DF013 secret-file-copied."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import DockerfileModel, Instruction, stage_chain

_KEY_NAMES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", ".env", "credentials",
              "credentials.json", ".git-credentials", ".netrc", "_netrc", ".npmrc", ".pypirc", ".dockercfg",
              "kubeconfig", ".htpasswd", "secrets.json", "secrets.yaml", "secrets.yml", "secrets.toml", ".secrets",
              "application_default_credentials.json", "service-account.json", "service_account.json",
              "serviceaccount.json", "gcp-key.json", "sa-key.json", ".vault-token", ".boto", ".s3cfg", "*.tfstate")
_KEY_GLOBS = ("*.key", "*.pem", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.ppk", ".env.*", "*.ovpn",
              "*-sa-key.json", "*service-account*.json", "*serviceaccount*.json", "id_rsa*", "id_ed25519*")
_KEY_DIRS = (".ssh", ".aws", ".kube", ".docker", ".gnupg", ".azure", ".config/gcloud")
_HARMLESS = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults", ".env.test.example")
_CERTISH = ("cert", "ca.", "ca-", "ca_", "chain", "bundle", "public", ".pub", "root", "trust")


def secret_source(src: str, dest: str) -> str | None:
    """Why copying `src` (to `dest`) brings a secret into the image, or None."""
    path = src.strip().strip("\"'").rstrip("/")
    if not path or "$" in path or "://" in path:
        return None
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return None
    base = parts[-1].lower()
    joined = "/".join(parts).lower()
    for d in _KEY_DIRS:
        if f"/{d}/" in f"/{joined}/" and not base.endswith((".pub", "known_hosts", "config.pub")) \
                and not (d == ".ssh" and base in ("known_hosts", "config")):
            return f"{d} directory"
    if base in _HARMLESS or base.endswith(".pub"):
        return None
    if base in _KEY_NAMES:
        return base
    if base == "config.json" and ".docker" in joined:
        return "Docker credentials"
    for g in _KEY_GLOBS:
        if fnmatch.fnmatchcase(base, g):
            if g in ("*.pem", "*.key") and any(c in base for c in _CERTISH) or (
                g == "*.pem" and any(c in dest.lower() for c in ("cert", "/ca", "ssl", "trust"))
            ):
                return None
            return f"{g} file"
    return None


def _sources(inst: Instruction) -> tuple[list[str], str]:
    if inst.heredocs:
        return [], ""
    args = list(inst.json_args) if inst.json_args is not None else inst.args.split()
    if len(args) < 2:
        return [], ""
    return args[:-1], args[-1]


@rule(
    code="DF013",
    name="secret-file-copied",
    title="Key or credentials file is copied into the image",
    controls=["CONT-NO-SECRETS-IN-IMAGE"],
    target="dockerfile",
    rationale=(
        "COPY id_rsa, .env, credentials, .npmrc or a private key bakes the secret into a layer: deleting it in a "
        "later step does not remove it, and everyone who can pull the image can extract it."
    ),
    remediation=(
        "Mount secrets only for the step that needs them, and keep them out of the build context with "
        ".dockerignore:\n\n"
        "```dockerfile\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n"
        "RUN --mount=type=ssh git clone git@github.com:org/private.git\n```"
    ),
    references=("https://docs.docker.com/build/building/secrets/",),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No COPY or ADD brings in a private key (id_rsa, *.key, *.pem that is not a certificate, *.p12), a
    .env file, cloud or registry credentials (.aws/, .kube/config, kubeconfig, .docker/config.json,
    .npmrc, .pypirc, .netrc, service-account JSON). Copies into stages that reach the final image are
    critical; copies into build stages still leak through the build cache and are reported as high."""
    model: DockerfileModel = res.data
    final = {s.index for s in stage_chain(model)}
    for idx, inst in enumerate(model.instructions):
        if inst.cmd not in ("COPY", "ADD"):
            continue
        srcs, dest = _sources(inst)
        for src in srcs:
            why = secret_source(src, dest)
            if why is None:
                continue
            in_final = inst.stage in final
            yield Violation(
                f"{inst.cmd} {src} brings a secret ({why}) into "
                + ("the final image" if in_final else f"build stage {inst.stage}"),
                line=inst.line,
                path=("instructions", idx),
                severity=None if in_final else "high",
            )
