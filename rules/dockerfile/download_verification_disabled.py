"""DF019 download-verification-disabled."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.api import Context, Resource, Violation, rule
from auditor.dockerfile import (
    DockerfileModel,
    Instruction,
    PackageCommand,
    commands,
    effective,
    env_pairs,
    package_command,
)

# ENV/ARG settings that turn verification off: name -> values that mean "off" (None: any non-empty value)
_ENV_OFF: dict[str, tuple[str, ...] | None] = {
    "GIT_SSL_NO_VERIFY": None,
    "NODE_TLS_REJECT_UNAUTHORIZED": ("0",),
    "PYTHONHTTPSVERIFY": ("0",),
    "NPM_CONFIG_STRICT_SSL": ("false", "0", "no"),
    "YARN_STRICT_SSL": ("false", "0"),
    "PIP_TRUSTED_HOST": None,
    "CURL_INSECURE": ("1", "true"),
    "REQUESTS_CA_BUNDLE": ("",),
    "GONOSUMCHECK": None,
    "GONOSUMDB": None,
    "GOINSECURE": None,
    "GOFLAGS": ("-insecure",),
}
_TEXT_RE = re.compile(
    r"\[[^\]]*trusted=yes[^\]]*\]\s*(?:https?|ftp)://|AllowInsecureRepositories\s*[= ]\s*\"?(?:1|true)"
    r"|AllowUnauthenticated\s*[= ]\s*\"?(?:1|true)|http\.sslverify\s*[= ]\s*false",
    re.I,
)
# written into a yum/dnf .repo file
_REPO_TEXT_RE = re.compile(r"(?:gpgcheck|sslverify)\s*=\s*(?:0|false|no|off)\b", re.I)
_ASSIGN_RE = re.compile(r"(?:^|[\s;&|(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^\s;&|]*)")


def env_off(name: str, value: str) -> bool:
    """Whether setting `name` to `value` turns verification off."""
    key = name.upper()
    if key not in _ENV_OFF:
        return False
    offs = _ENV_OFF[key]
    v = value.strip().strip("\"'").lower()
    return (offs is None and bool(v) and not v.startswith("$")) or (offs is not None and v in offs)


def _run_problems(inst: Instruction) -> list[str]:
    out: list[str] = []
    for c in commands(inst):
        n, args = c.name, c.argv[1:]
        if n == "curl" and any(a == "--insecure" or re.fullmatch(r"-[A-Za-z]*k[A-Za-z]*", a) for a in args):
            out.append("curl --insecure")
        elif n == "wget" and "--no-check-certificate" in args:
            out.append("wget --no-check-certificate")
        elif n == "git" and any(re.fullmatch(r"http\.sslverify=false", a, re.I) for a in args):
            out.append("git http.sslVerify=false")
        elif n == "rpm" and any(a in ("--nosignature", "--nodigest", "--nogpgcheck") for a in args):
            out.append("rpm without signature check")
        elif n in ("yum-config-manager", "dnf-config-manager", "dnf", "yum", "dnf5") and any(
            a.startswith("--setopt") and _REPO_TEXT_RE.search(a) for a in args
        ):
            out.append(f"{n} --setopt sslverify/gpgcheck off")
        pc = package_command(c)
        if pc is None:
            continue
        if pc.manager == "pip" and pc.has_flag("--trusted-host"):
            out.append(f"{pc.tool} --trusted-host")
        elif pc.manager == "apk" and pc.has_flag("--allow-untrusted") and not all(
            p.startswith(("/", "./", "$")) or p.endswith(".apk") for p in pc.positional()[:1] + pc.positional()
        ):
            out.append("apk --allow-untrusted")
        elif pc.manager == "apt" and pc.has_flag("--allow-unauthenticated", "--force-yes", "--allow-insecure-repositories"):
            out.append(f"{pc.tool} --allow-unauthenticated/--force-yes")
        elif pc.manager == "yum" and pc.has_flag("--nogpgcheck", "--no-gpgchecks"):
            out.append(f"{pc.tool} --nogpgcheck")
        elif pc.manager in ("npm", "yarn", "pnpm") and (pc.has_flag("--strict-ssl=false", "--no-strict-ssl") or _npm_set_off(pc)):
            out.append(f"{pc.tool} strict-ssl false")
    text = "\n".join([inst.args, *inst.heredocs])
    m = _TEXT_RE.search(text)
    if m and not out:
        out.append(m.group(0).strip()[:40])
    if not out and (".repo" in text or "yum.repos.d" in text):
        rm = _REPO_TEXT_RE.search(text)
        if rm:
            out.append(rm.group(0))
    for am in _ASSIGN_RE.finditer(text):
        if env_off(am.group(1), am.group(2)):
            out.append(f"{am.group(1)}={am.group(2).strip(chr(34) + chr(39))[:30]}")
    return list(dict.fromkeys(out))


def _npm_set_off(pc: PackageCommand) -> bool:
    words = list(pc.args)
    if pc.action == "config" and words[:1] == ["set"]:
        words = words[1:]
    elif pc.action != "set":
        return False
    joined = " ".join(words).replace("=", " ").split()
    return len(joined) >= 2 and joined[0] == "strict-ssl" and joined[1].lower() in ("false", "0")


@rule(
    code="DF019",
    name="download-verification-disabled",
    title="Build turns off TLS or signature verification",
    controls=["CONT-SAFE-BUILD"],
    target="dockerfile",
    rationale=(
        "`curl -k`, `pip --trusted-host`, `apk --allow-untrusted`, `apt-get --allow-unauthenticated`, "
        "`--nogpgcheck` or GIT_SSL_NO_VERIFY accept whatever a man-in-the-middle serves: the package or script "
        "that lands in the image is no longer the one its publisher signed (checkov CKV2_DOCKER_2..17)."
    ),
    remediation=(
        "Keep verification on; install the private CA instead of disabling checks:\n\n"
        "```dockerfile\nCOPY corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt\nRUN update-ca-certificates\n"
        "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt\n```"
    ),
)
def check(res: Resource, ctx: Context) -> Iterator[Violation]:
    """No RUN in any stage disables TLS or signature checks (curl -k/--insecure, wget
    --no-check-certificate, pip --trusted-host, apk --allow-untrusted, apt --allow-unauthenticated/--force-yes,
    yum/dnf --nogpgcheck, rpm --nosignature, npm strict-ssl false, git http.sslVerify=false, apt sources with
    [trusted=yes], repo files with gpgcheck=0), and no ENV/ARG sets GIT_SSL_NO_VERIFY,
    NODE_TLS_REJECT_UNAUTHORIZED=0, PYTHONHTTPSVERIFY=0, NPM_CONFIG_STRICT_SSL=false or PIP_TRUSTED_HOST."""
    model: DockerfileModel = res.data
    for idx, written in enumerate(model.instructions):
        inst = effective(written)
        if inst.cmd == "RUN":
            found = _run_problems(inst)
            if found:
                yield Violation(f"RUN disables download verification ({', '.join(found)})",
                                line=inst.line, path=("instructions", idx))
        elif inst.cmd in ("ENV", "ARG"):
            for name, value in env_pairs(inst):
                if env_off(name, value):
                    yield Violation(f"{inst.cmd} {name}={value.strip()[:40]} disables download verification",
                                    line=inst.line, path=("instructions", idx))
