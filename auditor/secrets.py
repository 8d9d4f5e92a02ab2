"""Secret detection by name and by value, and masking. Rules use it; no value found is ever printed.

`find_secret(name, value)` says whether a literal looks like a secret and why, without returning
the value. `mask(value)` gives a stand-in that reveals nothing but kind and length.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

# Known token formats: (kind, pattern). Anchored loosely: a value containing one is a secret.
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx))
    for kind, rx in (
        ("private key", r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
        ("AWS access key id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b"),
        ("GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
        ("OpenAI API key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}\b"),
        ("Anthropic API key", r"\bsk-ant-[A-Za-z0-9_-]{20,}\b"),
        ("Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}\b"),
        ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
        ("Stripe key", r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b"),
        ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
        ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("Azure storage connection string", r"(?i)AccountKey=[A-Za-z0-9+/=]{20,}"),
        ("Azure SAS token", r"(?i)[?&]sig=[A-Za-z0-9%+/=]{20,}"),
        ("Azure Service Bus/Event Hub key", r"(?i)SharedAccessKey=[A-Za-z0-9+/=]{20,}"),
        ("Application Insights instrumentation key", r"(?i)InstrumentationKey=[0-9a-f-]{36}.*;.*Key="),
        ("connection string with password", r"(?i)(?:password|pwd)\s*=\s*[^;\s'\"$]{4,}"),
        ("URL with credentials", r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@$]{3,}@[^\s/]+"),
        ("JSON web token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
        ("Twilio key", r"\bSK[0-9a-fA-F]{32}\b"),
        ("SendGrid key", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
    )
)

# literal fragments every match of a pattern contains: a cheap `in` test skips the regex for most text
# (lower-case hints are tested against the lower-cased text)
_HINTS: dict[str, tuple[str, ...]] = {
    "private key": ("PRIVATE KEY",),
    "AWS access key id": ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA"),
    "GitHub token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "OpenAI API key": ("sk-",),
    "Anthropic API key": ("sk-ant-",),
    "Hugging Face token": ("hf_",),
    "Slack token": ("xox",),
    "Google API key": ("AIza",),
    "Stripe key": ("_live_",),
    "GitLab token": ("glpat-",),
    "npm token": ("npm_",),
    "Azure storage connection string": ("accountkey=",),
    "Azure SAS token": ("sig=",),
    "Azure Service Bus/Event Hub key": ("sharedaccesskey=",),
    "Application Insights instrumentation key": ("instrumentationkey=",),
    "connection string with password": ("password", "pwd"),
    "URL with credentials": ("@",),
    "JSON web token": ("eyJ",),
    "Twilio key": ("SK",),
    "SendGrid key": ("SG.",),
}


def _candidates(text: str) -> list[tuple[str, re.Pattern[str]]]:
    if not _may_hold_token(text):
        return []
    low = text.lower()
    out = []
    for kind, rx in TOKEN_PATTERNS:
        hints = _HINTS.get(kind)
        if hints is None:
            out.append((kind, rx))
            continue
        hay = low if rx.pattern.startswith("(?i)") else text
        if any(h in hay for h in hints):
            out.append((kind, rx))
    return out


SECRET_NAME_RE = re.compile(
    r"(?i)(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
    r"client[_-]?secret|credential|connection[_-]?string|conn[_-]?str|auth[_-]?key|signing[_-]?key|"
    r"encryption[_-]?key|master[_-]?key|account[_-]?key|sas[_-]?key|_key$|^key$)"
)
# names that contain a secret word but do not hold one
NOT_SECRET_NAME_RE = re.compile(
    r"(?i)(_file$|_path$|_dir$|_url$|_uri$|_endpoint$|_host$|_name$|_id$|_type$|_length$|_len$|_size$|_mode$|"
    r"_enabled$|_version$|_ttl$|_timeout$|_header$|_format$|_field$|_ref$|keyvault|key_vault|secretname|"
    r"_secret_name$|public[_-]?key|tokenizer|max_tokens|token_limit|num_tokens|keyring|gpg_key|_keyid$|"
    r"key_?server|keys_?url|sha\d*$|sha\d+|checksum|hash$|_md5$|(^|[_-])(gpg|pgp)([_-]|s?$|key)|_fingerprint$|_thumbprint$|_keys_?dir$|"
    r"_count$|_limit$|_expir\w*$|_policy$|_algorithm$|_alg$|_prefix$|"
    r"(^|_)(no|use|enable|disable|skip|allow|require|verify)_)"  # switches: SCCACHE_S3_NO_CREDENTIALS, USE_AUTH_TOKEN
)
PLACEHOLDER_RE = re.compile(
    r"(?i)^(\s*|<[^>]*>|\{\{.*\}\}|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([A-Za-z_][A-Za-z0-9_]*\)|changeme|change_me|"
    r"replace[_-]?me|your[_-]?\w*|xxx+|\*+|dummy|example|placeholder|none|null|true|false|todo|tbd|secret|password|"
    r"redacted|test|\.+|-+)$"
)


@dataclass(frozen=True, slots=True)
class SecretHit:
    kind: str  # e.g. "GitHub token", "secret-named variable with a literal value"
    length: int

    @property
    def masked(self) -> str:
        return f"<redacted {self.kind}, {self.length} chars>"


def shannon_entropy(s: str) -> float:
    if not s:
        return 0.0
    counts = Counter(s)
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def token_kind(value: str) -> str | None:
    """The kind of known token format inside `value`, if any."""
    for kind, rx in _candidates(value):
        if rx.search(value):
            return kind
    return None


# documentation fillers: hf_xxx, sk-..., ghp_XXXXXXXX, a token prefix followed by one repeated character
_FILLER_RE = re.compile(r"[A-Za-z]{0,6}[_-]?(?:x+|X+|\*+|\.+|0+|#+|_+)")
# words that mark a value as an instruction to the reader: your-hf-token, REPLACE_WITH_YOUR_TOKEN, insert-key-here
_PLACEHOLDER_WORDS = frozenset({"your", "yours", "replace", "insert", "enter", "changeme", "placeholder", "dummy",
                                "example", "redacted", "fake", "sample", "here", "empty"})


def is_placeholder(value: str) -> bool:
    v = value.strip().strip("\"'")
    if bool(PLACEHOLDER_RE.match(v)) or v.startswith(("$(", "${", "{{", "@Microsoft.KeyVault(", "secretref:",
                                                      "keyvaultref:", "$")):
        return True
    if _FILLER_RE.fullmatch(v):
        return True
    words = [w.lower() for w in re.split(r"[-_ .:/]+", v) if w]
    return len(v) <= 64 and len(words) >= 1 and any(w in _PLACEHOLDER_WORDS for w in words)


_LONG_SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "privatekey",
                      "accesskey", "connectionstring", "connstr", "authkey", "signingkey", "encryptionkey",
                      "masterkey", "accountkey", "saskey", "clientsecret")
_SHORT_SECRET_WORDS = frozenset({"pass", "pwd", "pw", "key", "pat", "psk"})
_WORD_SPLIT_RE = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def secret_name(name: str) -> bool:
    """Whether a variable/key name says it holds a secret: DB_PASSWORD, OPENAI_API_KEY, hfToken, PGPASSWORD;
    not PASSENGER_APP_ENV, MONKEY, TOKENIZERS_PARALLELISM, PASSWORD_FILE, GPG_KEY."""
    if not name or NOT_SECRET_NAME_RE.search(name):
        return False
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    if any(w in squashed for w in _LONG_SECRET_WORDS):
        return True
    words = [w.lower() for w in _WORD_SPLIT_RE.split(name) if w]
    return any(w in _SHORT_SECRET_WORDS for w in words)


def _not_a_secret_value(v: str) -> bool:
    """Paths and plain URLs (no credentials) are where a secret lives, not the secret."""
    if v.startswith(("/", "./", "../", "~/", "file:")):
        return True
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://[^@\s]*$", v, re.I))


def high_entropy(value: str) -> bool:
    v = value.strip()
    if len(v) < 20 or any(c in v for c in " \t$") or "://" in v or "sha256:" in v or "sha512:" in v:
        return False
    if "/" in v and (v.startswith(("/", "./", "~")) or any(c in v for c in ".-_")):
        return False  # a path, not base64
    if re.fullmatch(r"[0-9a-fA-F]+", v):
        return False  # checksums, commit ids and key fingerprints are hex
    if re.fullmatch(r"v?\d+(\.\d+)+([-+._][0-9A-Za-z.]+)*", v):
        return False  # version strings
    if not re.search(r"[0-9]", v) or not re.search(r"[A-Za-z]", v):
        return False
    if re.fullmatch(r"[a-z0-9.-]+(:\d{1,5})?(/[\w./-]*)?", v) and not re.search(r"[a-z]\d[a-z]\d", v):
        return False  # host names and host:port, e.g. productcatalogservice:3550
    if re.fullmatch(r"[\w.+-]+@[\w.-]+", v):
        return False  # e-mail addresses
    if re.fullmatch(r"[a-z0-9][a-z0-9._-]*(/[a-z0-9._-]+)*:[a-z0-9][a-z0-9._-]*", v) and re.search(r"[.-]", v):
        return False  # image references, e.g. python:3.9-slim-bullseye, nvidia/cuda:12.1.0-runtime-ubuntu22.04
    return shannon_entropy(v) >= 4.0


def find_secret(name: str | None, value: object) -> SecretHit | None:
    """Does this (name, literal value) pair carry a secret? Returns kind and length, never the value."""
    if not isinstance(value, str):
        if value is None or isinstance(value, bool):
            return None
        value = str(value)
    v = value.strip()
    if not v or is_placeholder(v):
        return None
    kind = token_kind(v)
    if kind:
        return SecretHit(kind, len(v))
    if name and secret_name(name):
        if len(v) >= 4 and not v.isdigit() and not _not_a_secret_value(v):
            return SecretHit(f"literal value of secret-named {name!s}"[:80], len(v))
        return None
    if high_entropy(v) and (name is None or not NOT_SECRET_NAME_RE.search(name)):
        return SecretHit("high-entropy string", len(v))
    return None


def mask(value: str) -> str:
    """A stand-in revealing nothing of the value but its length."""
    return f"<redacted, {len(value)} chars>"


def _scoped(pattern: str) -> str:
    return f"(?i:{pattern[4:]})" if pattern.startswith("(?i)") else f"(?:{pattern})"


# one pass of the C regex engine tells whether any known format is present at all (most texts: none);
# a literal prefilter (each format's fixed fragment) is cheaper still and comes first
_ANY_TOKEN_RE = re.compile("|".join(_scoped(rx.pattern) for _, rx in TOKEN_PATTERNS))
_LOW_HINTS: tuple[str, ...] = tuple(sorted(
    {h.lower() for kind, hints in _HINTS.items() if kind not in ("URL with credentials", "Twilio key") for h in hints}
    | {"://"}
))


def _may_hold_token(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _LOW_HINTS) or ("SK" in text and _TWILIO_RE.search(text) is not None)


_TWILIO_RE = re.compile(r"SK[0-9a-fA-F]{32}")


def redact_text(text: str) -> str:
    """Replace every known token format inside free text (commands, messages) with a mask."""
    if not _may_hold_token(text) or not _ANY_TOKEN_RE.search(text):
        return text
    out = text
    for kind, rx in _candidates(text):
        out = rx.sub(lambda m, k=kind: f"<redacted {k}>", out)  # type: ignore[misc]
    return out


_ASSIGNED_RE = re.compile(r"(?i)(?:password|pwd)\s*=\s*(.*)|://[^/\s:@]+:([^/\s@]*)@")


def find_secrets_in_text(text: str) -> list[SecretHit]:
    """Known token formats, private keys, passwords in connection strings and credentials in URLs
    inside free text (a shell command, a heredoc). Placeholders such as `password=changeme` are ignored."""
    hits: list[SecretHit] = []
    for kind, rx in _candidates(text):
        for m in rx.finditer(text):
            found = m.group(0)
            am = _ASSIGNED_RE.search(found)
            if am:
                value = (am.group(1) or am.group(2) or "").strip().strip("\"';")
                if not value or is_placeholder(value):
                    continue
            hits.append(SecretHit(kind, len(found)))
    return hits
