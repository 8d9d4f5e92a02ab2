"""ARM template expressions: `[concat(parameters('x'), '-', variables('y'))]` evaluated before deployment.

Only what can be known from the template and its parameters is computed. Anything else (reference(),
list*(), a parameter with neither default nor value, an unknown function) becomes `Unresolved`, which
propagates through every function that receives it. Scope functions (resourceGroup(), subscription(),
environment(), deployment()) return placeholders such as "{subscriptionId}": they name things, they
never decide a security setting. Secure parameters evaluate to `Secure` strings.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, unquote, urljoin

from auditor.azure import Secure, Unresolved, get_ci
from auditor.model import LineList, LineMap

_TOKEN_RE = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<id>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)"
                       r"|(?P<p>[(),.\[\]]))")
MAX_EVAL_DEPTH = 64


class ExprError(ValueError):
    pass


class _LambdaUnresolved(Exception):
    def __init__(self, value: Unresolved) -> None:
        super().__init__(value.reason)
        self.value = value


def scope_prefix(level: str) -> str:
    """Id prefix of a deployment scope; "resourceGroup:NAME" names the group (nested deployments)."""
    if level.startswith("resourceGroup:"):
        return f"/subscriptions/{{subscriptionId}}/resourceGroups/{level.split(':', 1)[1]}"
    if level == "subscription":
        return "/subscriptions/{subscriptionId}"
    if level == "managementGroup":
        return "/providers/Microsoft.Management/managementGroups/{managementGroupId}"
    if level == "tenant":
        return ""
    return "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"


def _id_tail(rtype: str, name: str) -> str:
    types = rtype.split("/")
    names = name.split("/") if name else []
    out = f"/providers/{types[0]}"
    for i, t in enumerate(types[1:]):
        out += f"/{t}/{names[i] if i < len(names) else '{name}'}"
    return out


def build_id(level: str, rtype: str, name: str) -> str:
    low = rtype.lower()
    if low == "microsoft.resources/resourcegroups":
        return f"/subscriptions/{{subscriptionId}}/resourceGroups/{name}"
    if low == "microsoft.resources/subscriptions":
        return f"/subscriptions/{name}"
    if low.startswith("microsoft.authorization/") or low.startswith("microsoft.security/") \
            or low.startswith("microsoft.consumption/"):
        return scope_prefix(level) + _id_tail(rtype, name)
    return scope_prefix(level) + _id_tail(rtype, name)


# ---- parsing -----------------------------------------------------------------------------------------
Node = tuple[Any, ...]


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"cannot parse expression near {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ExprError(f"expected {value or 'a token'}")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.expr()
        if self.peek() is not None:
            raise ExprError("trailing text in expression")
        return node

    def expr(self) -> Node:
        kind, val = self.take()
        node: Node
        if kind == "str":
            node = ("lit", val[1:-1].replace("''", "'"))
        elif kind == "num":
            node = ("lit", float(val) if "." in val else int(val))
        elif kind == "id":
            self.take("(")
            args: list[Node] = []
            if self.peek() != ("p", ")"):
                args.append(self.expr())
                while self.peek() == ("p", ","):
                    self.take(",")
                    args.append(self.expr())
            self.take(")")
            node = ("call", val, args)
        else:
            raise ExprError(f"unexpected {val!r}")
        while True:
            tok = self.peek()
            if tok == ("p", "."):
                self.take(".")
                _, name = self.take()
                node = ("prop", node, ("lit", name))
            elif tok == ("p", "["):
                self.take("[")
                node = ("prop", node, self.expr())
                self.take("]")
            else:
                return node


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


# ---- evaluation --------------------------------------------------------------------------------------
def _unresolved_in(args: list[Any]) -> Unresolved | None:
    for a in args:
        if isinstance(a, Unresolved):
            return a
    return None


class Evaluator:
    def __init__(self, template: Mapping[str, Any], values: Mapping[str, Any], level: str = "resourceGroup") -> None:
        self.template = template
        self.values = dict(values)
        self.level = level
        self.symbols: dict[str, str] = {}
        self.copy: dict[str, int | None] = {}
        self.default_loop: str | None = None
        self._params = {str(k).lower(): v for k, v in (template.get("parameters") or {}).items()} \
            if isinstance(template.get("parameters"), Mapping) else {}
        self._vars = {str(k).lower(): v for k, v in (template.get("variables") or {}).items()} \
            if isinstance(template.get("variables"), Mapping) else {}
        self._cache: dict[tuple[str, str], Any] = {}
        self._stack: set[tuple[str, str]] = set()
        self._lambda_vars: dict[str, Any] = {}
        self._depth_user = 0
        self.naming = False  # parameters without a value name themselves ("{vaultName}") in names and ids
        self._funcs = {str(k).lower(): v for k, v in _user_functions(template).items()}

    def with_copy(self, loop: str, index: int | None) -> Evaluator:
        ev = Evaluator.__new__(Evaluator)
        ev.__dict__.update(self.__dict__)
        ev.copy = {**self.copy, loop.lower(): index}
        ev.default_loop = loop.lower()
        return ev

    # public --------------------------------------------------------------------------------------
    def value(self, raw: Any) -> Any:
        return self.evaluate(raw)

    def name_value(self, raw: Any) -> Any:
        """Evaluate a name, scope or id: a parameter nobody sets stands for itself as "{paramName}".

        Names only identify: a vault named by a required parameter is the same vault wherever that parameter
        names it (its diagnostic setting's scope, a resourceId() in another resource), so matching them is
        sound. Settings (booleans, SKUs, networks) never take this path and stay Unresolved.
        """
        prev = self.naming
        self.naming = True
        try:
            return self.evaluate(raw)
        finally:
            self.naming = prev

    def evaluate(self, raw: Any, depth: int = 0) -> Any:
        """Evaluate every expression inside `raw`, keeping LineMap/LineList lines."""
        if depth > MAX_EVAL_DEPTH:
            return Unresolved("...", "value nested too deeply")
        if isinstance(raw, str):
            if is_expression(raw):
                return self.expression(raw)
            if raw.startswith("[["):
                return raw[1:]
            return raw
        if isinstance(raw, LineMap):
            lm = LineMap(raw.line)
            for k, v in raw.items():
                key = k
                if is_expression(k):  # an object key computed by an expression (tag names, identities)
                    got = self.expression(k)
                    key = str(got) if isinstance(got, str) else k
                if k == "copy" and isinstance(v, list):  # property copy loops: "copy": [{name, count, input}]
                    for loop in v:
                        if isinstance(loop, Mapping) and isinstance(loop.get("name"), str):
                            lm[loop["name"]] = self._property_copy(loop, depth)
                            lm.key_lines[loop["name"]] = raw.key_lines.get(k, raw.line or 0)
                    continue
                lm[key] = self.evaluate(v, depth + 1)
                if k in raw.key_lines:
                    lm.key_lines[key] = raw.key_lines[k]
            return lm
        if isinstance(raw, Mapping):
            return {k: self.evaluate(v, depth + 1) for k, v in raw.items()}
        if isinstance(raw, LineList):
            ll = LineList(raw.line)
            ll.extend(self.evaluate(v, depth + 1) for v in raw)
            ll.item_lines = list(raw.item_lines)
            return ll
        if isinstance(raw, list):
            return [self.evaluate(v, depth + 1) for v in raw]
        return raw

    def _property_copy(self, loop: Mapping[str, Any], depth: int) -> Any:
        name = str(loop["name"])
        count = self.evaluate(loop.get("count"), depth + 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 800:
            return Unresolved(f"[copy {name}]", f"property copy loop {name!r} has no known count")
        out = LineList(getattr(loop, "line", None))
        for i in range(count):
            out.append(self.with_copy(name, i).evaluate(loop.get("input"), depth + 1))
            out.item_lines.append(getattr(loop, "line", None) or 0)
        return out

    def expression(self, text: str) -> Any:
        try:
            node = _Parser(text[1:-1]).parse()
        except ExprError as exc:
            return Unresolved(text, f"expression not understood: {exc}")
        try:
            return self._eval(node, text)
        except (ExprError, TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, RecursionError) as exc:
            return Unresolved(text, f"expression not evaluable before deployment: {exc}")

    def scope_id(self, scope: str) -> str:
        if scope.startswith("/"):
            return scope.rstrip("/")
        if scope.lower() in self.symbols:
            return self.symbols[scope.lower()]
        parts = scope.strip("/").split("/")
        if len(parts) >= 3:
            types = [parts[0]] + parts[1::2]
            names = parts[2::2]
            return build_id(self.level, "/".join(types), "/".join(names))
        return scope

    # internals -----------------------------------------------------------------------------------
    def _eval(self, node: Node, text: str) -> Any:
        op = node[0]
        if op == "lit":
            return node[1]
        if op == "prop":
            base = self._eval(node[1], text)
            key = self._eval(node[2], text)
            if isinstance(base, Unresolved):
                return base
            if isinstance(key, Unresolved):
                return key
            if isinstance(base, list) and isinstance(key, int):
                return base[key]
            if isinstance(base, Mapping):
                v, k = get_ci(base, str(key))
                if k is None:
                    raise ExprError(f"no property {key!r}")
                return v
            raise ExprError(f"cannot read {key!r} of {type(base).__name__}")
        name: str = node[1].lower()
        argn: list[Node] = node[2]
        if name in _LAMBDA_FUNCS:
            return self._lambda_call(name, argn, text)
        if name == "lambdavariables":
            var = self._eval(argn[0], text) if argn else None
            if not isinstance(var, str) or var not in self._lambda_vars:
                raise ExprError(f"lambdaVariables({var!r}) outside its lambda")
            return self._lambda_vars[var]
        if name == "if":
            if len(argn) != 3:
                raise ExprError("if() takes 3 arguments")
            cond = self._eval(argn[0], text)
            if isinstance(cond, Unresolved):
                return Unresolved(text, cond.reason)
            return self._eval(argn[1] if _truthy(cond) else argn[2], text)
        if name in _ID_FUNCS and not self.naming:
            self.naming = True
            try:
                args = [self._eval(a, text) for a in argn]
            finally:
                self.naming = False
        else:
            args = [self._eval(a, text) for a in argn]
        fn = _FUNCS.get(name)
        if name in ("parameters", "variables", "copyindex", "resourceid", "subscriptionresourceid",
                    "tenantresourceid", "extensionresourceid", "resourcegroup", "subscription", "coalesce"):
            return self._scoped(name, args, text)
        if name in self._funcs:
            return self._user_call(node[1], self._funcs[name], args, text)
        if fn is None:
            reason = "only known at deployment" if name in _RUNTIME or name.startswith("list") else "unsupported"
            return Unresolved(text, f"{node[1]}() is {reason}")
        unresolved = _unresolved_in(args)
        if unresolved is not None:
            return Unresolved(text, unresolved.reason)
        result = fn(args)
        if any(isinstance(a, Secure) for a in args) and isinstance(result, str):
            return Secure(result)
        return result

    def _user_call(self, fname: str, spec: Any, args: list[Any], text: str) -> Any:
        """A template's own function: its output expression over its parameters (nothing else is in scope)."""
        unresolved = _unresolved_in(args)
        if unresolved is not None:
            return Unresolved(text, unresolved.reason)
        output = spec.get("output") if isinstance(spec, Mapping) else None
        params = spec.get("parameters") if isinstance(spec, Mapping) else None
        if not isinstance(output, Mapping) or "value" not in output or not isinstance(params, list):
            return Unresolved(text, f"user-defined function {fname}() has no output")
        names = [str(p.get("name")) for p in params if isinstance(p, Mapping)]
        if len(names) != len(args) or self._depth_user > 16:
            return Unresolved(text, f"user-defined function {fname}() called with {len(args)} argument(s)")
        inner = Evaluator({"parameters": {n: {"type": "object"} for n in names}, "functions": self.template.get(
            "functions") or []}, dict(zip((n.lower() for n in names), args, strict=True)), level=self.level)
        inner._depth_user = self._depth_user + 1
        result = inner.evaluate(output["value"])
        return Unresolved(text, result.reason) if isinstance(result, Unresolved) else result

    def _lambda_call(self, name: str, argn: list[Node], text: str) -> Any:
        """filter/map/reduce/sort/toObject/mapValues/groupBy with lambda('x', body) arguments."""
        lambdas = [a for a in argn if a[0] == "call" and str(a[1]).lower() == "lambda"]
        plain = [self._eval(a, text) for a in argn if not (a[0] == "call" and str(a[1]).lower() == "lambda")]
        unresolved = _unresolved_in(plain)
        if unresolved is not None:
            return Unresolved(text, unresolved.reason)

        def call(fn: Node, *values: Any) -> Any:
            params = [self._eval(p, text) for p in fn[2][:-1]]
            saved = self._lambda_vars
            self._lambda_vars = {**saved, **{str(p): v for p, v in zip(params, values, strict=False)}}
            try:
                out = self._eval(fn[2][-1], text)
            finally:
                self._lambda_vars = saved
            if isinstance(out, Unresolved):
                raise _LambdaUnresolved(out)
            return out

        if not lambdas or not plain:
            raise ExprError(f"{name}() needs a collection and a lambda")
        coll, fn = plain[0], lambdas[0]
        try:
            if name == "filter":
                return [x for x in coll if _truthy(call(fn, x))]
            if name == "map":
                return [call(fn, x) for x in coll]
            if name == "mapvalues":
                return {k: call(fn, v) for k, v in coll.items()}
            if name == "reduce":
                acc = plain[1] if len(plain) > 1 else None
                for x in coll:
                    acc = call(fn, acc, x)
                return acc
            if name == "sort":
                return sorted(coll, key=functools.cmp_to_key(lambda a, b: -1 if _truthy(call(fn, a, b)) else 1))
            if name == "toobject":
                vfn = lambdas[1] if len(lambdas) > 1 else None
                return {str(call(fn, x)): (call(vfn, x) if vfn else x) for x in coll}
            if name == "groupby":
                groups: dict[str, list[Any]] = {}
                for x in coll:
                    groups.setdefault(str(call(fn, x)), []).append(x)
                return groups
        except _LambdaUnresolved as exc:
            return Unresolved(text, exc.value.reason)
        raise ExprError(f"{name}() is not supported")

    def _scoped(self, name: str, args: list[Any], text: str) -> Any:
        if name == "parameters":
            return self._param(str(args[0]), text)
        if name == "variables":
            return self._var(str(args[0]), text)
        if name == "copyindex":
            loop = self.default_loop
            offset = 0
            for a in args:
                if isinstance(a, str):
                    loop = a.lower()
                elif isinstance(a, int):
                    offset = a
            idx = self.copy.get(loop or "", None)
            if idx is None:
                return Unresolved(text, "copyIndex() of a loop whose count is not known")
            return idx + offset
        if name == "coalesce":
            for a in args:
                if isinstance(a, Unresolved):
                    return Unresolved(text, a.reason)
                if a is not None:
                    return a
            return None
        unresolved = _unresolved_in(args)
        if name == "resourcegroup":
            rg_name = self.level.split(":", 1)[1] if self.level.startswith("resourceGroup:") else "{resourceGroupName}"
            return {"id": scope_prefix(self.level if self.level.startswith("resourceGroup") else "resourceGroup"),
                    "name": rg_name,
                    "location": "{resourceGroupLocation}", "type": "Microsoft.Resources/resourceGroups",
                    "properties": {"provisioningState": "Succeeded"}, "tags": {}}
        if name == "subscription":
            return {"id": "/subscriptions/{subscriptionId}", "subscriptionId": "{subscriptionId}",
                    "tenantId": "{tenantId}", "displayName": "{subscriptionName}"}
        strs = [str(a) for a in args]
        if name == "extensionresourceid":
            if unresolved is not None or len(strs) < 3:
                return Unresolved(text, unresolved.reason if unresolved else "extensionResourceId() needs 3 args")
            return strs[0].rstrip("/") + _id_tail(strs[1], "/".join(strs[2:]))
        # resourceId([subscriptionId], [resourceGroupName], type, names...)
        type_idx = next((i for i, s in enumerate(strs) if "/" in s and "." in s.split("/")[0]), None)
        if type_idx is None:
            return Unresolved(text, f"{name}() without a resource type")
        rtype = strs[type_idx]
        names = "/".join(strs[type_idx + 1:])
        if isinstance(args[type_idx], Unresolved):
            return Unresolved(text, args[type_idx].reason)
        head = strs[:type_idx]
        if name == "tenantresourceid":
            prefix = ""
        elif name == "subscriptionresourceid":
            prefix = f"/subscriptions/{head[0]}" if head else "/subscriptions/{subscriptionId}"
        elif len(head) >= 2:
            prefix = f"/subscriptions/{head[0]}/resourceGroups/{head[1]}"
        elif len(head) == 1:
            prefix = f"/subscriptions/{{subscriptionId}}/resourceGroups/{head[0]}"
        else:
            prefix = scope_prefix(self.level)
        return prefix + _id_tail(rtype, names)

    def _param(self, name: str, text: str) -> Any:
        key = name.lower()
        spec = self._params.get(key)
        if spec is None and key not in self.values:
            return Unresolved(text, f"parameter {name!r} is not declared")
        ptype = str(spec.get("type", "")).lower() if isinstance(spec, Mapping) else ""
        if key in self.values:
            value = self.values[key]
        elif isinstance(spec, Mapping) and "defaultValue" in spec:
            value = self._cached(("pn" if self.naming else "p", key), lambda: self.evaluate(spec["defaultValue"]), text)
        elif isinstance(spec, Mapping) and spec.get("nullable") is True:
            return None  # languageVersion 2.0: an optional parameter left out is null
        elif ptype.startswith("secure"):
            return Secure("")
        elif self.naming and ptype in ("", "string"):
            return "{" + name + "}"
        else:
            return Unresolved(text, f"parameter {name!r} has no default value and no parameters file sets it")
        if ptype == "securestring" and isinstance(value, str) and not isinstance(value, Unresolved):
            return Secure(value)
        return value

    def _var(self, name: str, text: str) -> Any:
        key = name.lower()
        if key not in self._vars:
            return Unresolved(text, f"variable {name!r} is not declared")
        return self._cached(("vn" if self.naming else "v", key), lambda: self.evaluate(self._vars[key]), text)

    def _cached(self, key: tuple[str, str], compute: Callable[[], Any], text: str) -> Any:
        if key in self._cache:
            return self._cache[key]
        if key in self._stack:
            return Unresolved(text, f"{key[1]!r} refers to itself")
        self._stack.add(key)
        try:
            value = compute()
        finally:
            self._stack.discard(key)
        self._cache[key] = value
        return value


def _user_functions(template: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    functions = template.get("functions")
    for ns in functions if isinstance(functions, list) else []:
        members = ns.get("members") if isinstance(ns, Mapping) else None
        if isinstance(members, Mapping):
            for member, spec in members.items():
                out[f"{ns.get('namespace', '')}.{member}"] = spec
    return out


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.lower() == "true"
    return bool(v)


def _to_bool(a: list[Any]) -> bool:
    v = a[0]
    if isinstance(v, str):
        if v.lower() in ("true", "1"):
            return True
        if v.lower() in ("false", "0"):
            return False
        raise ExprError(f"bool() of {v!r}")
    return bool(v)


def _to_string(a: list[Any]) -> str:
    v = a[0]
    if isinstance(v, bool):
        return "True" if v else "False"  # ARM's string(true) is "True"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return "" if v is None else str(v)


def _concat(a: list[Any]) -> Any:
    if a and all(isinstance(x, list) for x in a):
        out: list[Any] = []
        for x in a:
            out.extend(x)
        return out
    return "".join(_to_string([x]) if not isinstance(x, str) else x for x in a)


def _format(a: list[Any]) -> str:
    fmt = str(a[0])
    vals = a[1:]

    def sub(m: re.Match[str]) -> str:
        i = int(m.group(1))
        v = vals[i]
        return v if isinstance(v, str) else _to_string([v])

    return re.sub(r"\{(\d+)(?::[^}]*)?\}", sub, fmt)


def _contains(a: list[Any]) -> bool:
    container, item = a[0], a[1]
    if isinstance(container, str):
        return str(item) in container
    if isinstance(container, Mapping):
        return get_ci(container, str(item))[1] is not None
    return item in container


def _union(a: list[Any]) -> Any:
    if all(isinstance(x, Mapping) for x in a):
        out: dict[str, Any] = {}
        for x in a:
            for k, v in x.items():
                if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
                    out[k] = _union([out[k], v])
                else:
                    out[k] = v
        return out
    merged: list[Any] = []
    for x in a:
        for v in x:
            if v not in merged:
                merged.append(v)
    return merged


def _placeholder(kind: str) -> Callable[[list[Any]], str]:
    def fn(a: list[Any]) -> str:
        digest = hashlib.sha256("|".join(str(x) for x in a).encode()).hexdigest()
        return digest[:13] if kind == "unique" else f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return fn


def _empty(a: list[Any]) -> bool:
    v = a[0]
    return v is None or (hasattr(v, "__len__") and len(v) == 0)


_ENVIRONMENT = {"name": "AzureCloud", "resourceManager": "https://management.azure.com/",
                "suffixes": {"storage": "core.windows.net", "keyvaultDns": ".vault.azure.net",
                             "acrLoginServer": ".azurecr.io", "sqlServerHostname": ".database.windows.net"},
                "authentication": {"loginEndpoint": "https://login.microsoftonline.com/"}}

def _div(a: list[Any]) -> int:
    if a[1] == 0:
        raise ExprError("div() by zero")
    return int(a[0] / a[1])  # ARM divides integers towards zero


def _mod(a: list[Any]) -> int:
    if a[1] == 0:
        raise ExprError("mod() by zero")
    return int(a[0] - a[1] * int(a[0] / a[1]))


def _intersection(a: list[Any]) -> Any:
    if all(isinstance(x, Mapping) for x in a):
        first = dict(a[0])
        return {k: v for k, v in first.items() if all(k in x and x[k] == v for x in a[1:])}
    return [v for i, v in enumerate(a[0]) if all(v in x for x in a[1:]) and v not in a[0][:i]]


def _split(a: list[Any]) -> list[str]:
    seps = a[1] if isinstance(a[1], list) else [a[1]]
    if not seps:
        return [str(a[0])]
    return re.split("|".join(re.escape(str(x)) for x in seps), str(a[0]))


def _index_of(a: list[Any], last: bool = False) -> int:
    if isinstance(a[0], list):
        hits = [i for i, v in enumerate(a[0]) if v == a[1]]
        return (hits[-1] if last else hits[0]) if hits else -1
    text, sub = str(a[0]).lower(), str(a[1]).lower()
    return text.rfind(sub) if last else text.find(sub)


def _try_get(a: list[Any]) -> Any:
    node = a[0]
    for key in a[1:]:
        if isinstance(node, list) and isinstance(key, int) and not isinstance(key, bool):
            node = node[key] if -len(node) <= key < len(node) else None
        elif isinstance(node, Mapping):
            v, k = get_ci(node, str(key))
            node = v if k is not None else None
        else:
            return None
        if node is None:
            return None
    return node


def _flatten(a: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in a[0]:
        out.extend(x if isinstance(x, list) else [x])
    return out


def _shallow_merge(a: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for x in a[0]:
        out.update(x)
    return out


_FUNCS: dict[str, Callable[[list[Any]], Any]] = {
    "concat": _concat,
    "format": _format,
    "tolower": lambda a: str(a[0]).lower(),
    "toupper": lambda a: str(a[0]).upper(),
    "equals": lambda a: a[0] == a[1],
    "not": lambda a: not _truthy(a[0]),
    "and": lambda a: all(_truthy(x) for x in a),
    "or": lambda a: any(_truthy(x) for x in a),
    "bool": _to_bool,
    "string": _to_string,
    "int": lambda a: int(a[0]),
    "empty": _empty,
    "contains": _contains,
    "union": _union,
    "length": lambda a: len(a[0]),
    "first": lambda a: a[0][0] if len(a[0]) else None,
    "last": lambda a: a[0][-1] if len(a[0]) else None,
    "createarray": lambda a: list(a),
    "array": lambda a: a[0] if isinstance(a[0], list) else [a[0]],
    "createobject": lambda a: {str(a[i]): a[i + 1] for i in range(0, len(a) - 1, 2)},
    "json": lambda a: json.loads(str(a[0])),
    "true": lambda a: True,
    "false": lambda a: False,
    "null": lambda a: None,
    "replace": lambda a: str(a[0]).replace(str(a[1]), str(a[2])),
    "split": _split,
    "substring": lambda a: str(a[0])[int(a[1]):(int(a[1]) + int(a[2])) if len(a) > 2 else None],
    "trim": lambda a: str(a[0]).strip(),
    "startswith": lambda a: str(a[0]).lower().startswith(str(a[1]).lower()),
    "endswith": lambda a: str(a[0]).lower().endswith(str(a[1]).lower()),
    "greater": lambda a: a[0] > a[1],
    "less": lambda a: a[0] < a[1],
    "greaterorequals": lambda a: a[0] >= a[1],
    "lessorequals": lambda a: a[0] <= a[1],
    "add": lambda a: a[0] + a[1],
    "sub": lambda a: a[0] - a[1],
    "mul": lambda a: a[0] * a[1],
    "min": lambda a: min(a[0]) if len(a) == 1 else min(a),
    "max": lambda a: max(a[0]) if len(a) == 1 else max(a),
    "uniquestring": _placeholder("unique"),
    "guid": _placeholder("guid"),
    "environment": lambda a: _ENVIRONMENT,
    "deployment": lambda a: {"name": "{deploymentName}", "properties": {}},
    "tenant": lambda a: {"tenantId": "{tenantId}"},
    "managementgroup": lambda a: {"id": scope_prefix("managementGroup"), "name": "{managementGroupId}"},
    "uri": lambda a: urljoin(str(a[0]), str(a[1])),  # ARM resolves like a browser: the last segment is replaced
    "lastindexof": lambda a: _index_of(a, last=True),
    "indexof": _index_of,
    "skip": lambda a: a[0][int(a[1]):],
    "take": lambda a: a[0][: int(a[1])],
    "padleft": lambda a: str(a[0]).rjust(int(a[1]), str(a[2]) if len(a) > 2 else " "),
    "base64": lambda a: __import__("base64").b64encode(str(a[0]).encode()).decode(),
    "base64tostring": lambda a: __import__("base64").b64decode(str(a[0])).decode(),
    "base64tojson": lambda a: json.loads(__import__("base64").b64decode(str(a[0])).decode()),
    "datauri": lambda a: "data:text/plain;charset=utf8;base64,"
                         + __import__("base64").b64encode(str(a[0]).encode()).decode(),
    "datauritostring": lambda a: __import__("base64").b64decode(str(a[0]).split(",", 1)[1]).decode(),
    "uricomponent": lambda a: quote(str(a[0]), safe="-_.~"),
    "uricomponenttostring": lambda a: unquote(str(a[0])),
    "div": _div,
    "mod": _mod,
    "range": lambda a: list(range(int(a[0]), int(a[0]) + int(a[1]))),
    "items": lambda a: [{"key": k, "value": a[0][k]} for k in sorted(a[0], key=str.lower)],
    "objectkeys": lambda a: list(a[0].keys()),
    "intersection": _intersection,
    "join": lambda a: str(a[1]).join(x if isinstance(x, str) else _to_string([x]) for x in a[0]),
    "tryget": _try_get,
    "flatten": _flatten,
    "shallowmerge": _shallow_merge,
    "float": lambda a: float(a[0]),
    "deployer": lambda a: {"objectId": "{deployerObjectId}", "tenantId": "{tenantId}"},
}
_LAMBDA_FUNCS = {"filter", "map", "mapvalues", "reduce", "sort", "toobject", "groupby"}
_ID_FUNCS = {"resourceid", "subscriptionresourceid", "tenantresourceid", "extensionresourceid"}
_RUNTIME = {"reference", "listkeys", "listsecrets", "listaccountsas", "listservicesas", "utcnow", "newguid",
            "pickzones", "providers", "getsecret"}
