"""Command line: `auditor scan|rules|explain|controls|collect|baseline|render|docs`. Exit 0 pass, 1 gate failed, 2 usage/tool error."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor import __version__

EXIT_PASS, EXIT_GATE, EXIT_ERROR = 0, 1, 2
SEVERITY_CHOICES = ("critical", "high", "medium", "low", "info", "none")


class _Format(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, ns: argparse.Namespace, values: Any, opt: str | None = None) -> None:
        outputs = list(getattr(ns, "outputs", None) or [])
        outputs.append([values, None])
        ns.outputs = outputs


class _Output(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, ns: argparse.Namespace, values: Any, opt: str | None = None) -> None:
        from auditor.reporters import EXTENSIONS

        outputs = list(getattr(ns, "outputs", None) or [])
        for entry in reversed(outputs):
            if entry[1] is None:
                entry[1] = values
                break
        else:
            fmt = EXTENSIONS.get(Path(values).suffix.lower())
            if fmt is None:
                parser.error(f"--output {values}: give --format before it (cannot tell the format from the name)")
            outputs.append([fmt, values])
        ns.outputs = outputs


def _add_scan_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("targets", nargs="*", default=["."],
                   help="paths, '-' for stdin, or live targets: azure:<subscription>, k8s:<context>, "
                        "docker-archive:FILE, oci:DIR[:tag], oci-archive:FILE, docker://REF, or an inventory snapshot")
    p.add_argument("-f", "--format", action=_Format, dest="outputs", metavar="FORMAT",
                   help="console, json, sarif, html, junit, markdown (repeatable)")
    p.add_argument("-o", "--output", action=_Output, dest="outputs", metavar="PATH",
                   help="write the preceding --format to PATH (repeatable, one per format)")
    p.add_argument("--fail-on", choices=SEVERITY_CHOICES, default=None,
                   help="fail the gate on an unsuppressed failure of this severity or above (default: low)")
    p.add_argument("--min-score", type=float, default=None, help="fail the gate when the overall score is lower")
    p.add_argument("--fail-on-input-errors", action="store_true", default=None,
                   help="fail the gate when an input could not be read or parsed (default: report it only)")
    p.add_argument("--config", help="configuration file (default: .auditor.toml, else pyproject.toml [tool.auditor])")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching paths (repeatable)")
    p.add_argument("--select", action="append", default=[], metavar="ID",
                   help="run only these rule codes, control ids, sections or targets (repeatable)")
    p.add_argument("--ignore", action="append", default=[], metavar="ID", help="skip these (repeatable)")
    p.add_argument("--rules-dir", action="append", default=[], metavar="DIR", help="load extra rules from DIR")
    p.add_argument("--baseline", metavar="FILE", help="gate only on failures not in this baseline")
    p.add_argument("--parameters", action="append", default=[], metavar="FILE", help="ARM parameter file(s)")
    p.add_argument("--verbose", "-v", action="store_true", help="console: list passed and suppressed results too")
    p.add_argument("--no-color", action="store_true", help="never colour the console output")
    p.add_argument("--quiet", "-q", action="store_true", help="no console output unless asked with --format")
    _add_live_args(p)


def _add_live_args(p: argparse.ArgumentParser) -> None:
    live = p.add_argument_group("live targets")
    live.add_argument("--namespace", "-n", action="append", default=[], help="k8s: namespace(s) to read")
    live.add_argument("--all-namespaces", "-A", action="store_true", help="k8s: every namespace")
    live.add_argument("--selector", "-l", help="k8s: label selector")
    live.add_argument("--all-subscriptions", action="store_true", help="azure: every subscription the identity sees")
    live.add_argument("--resource-group", action="append", default=[], help="azure: only these resource groups")
    live.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="azure: only resources with tag")
    live.add_argument("--cloud", default=None, help="azure: AzureCloud, AzureUSGovernment, AzureChinaCloud")
    live.add_argument("--arm-endpoint", default=None, help="azure: explicit Resource Manager endpoint")
    live.add_argument("--platform", default=None, help="images: os/arch[/variant] to pick from an index")
    live.add_argument("--insecure", action="store_true", help="images: allow plain HTTP to a loopback registry")


def _live_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "namespaces": tuple(args.namespace), "all_namespaces": args.all_namespaces, "selector": args.selector,
        "all_subscriptions": args.all_subscriptions, "resource_groups": tuple(args.resource_group),
        "tags": tuple(args.tag), "cloud": args.cloud, "arm_endpoint": args.arm_endpoint,
        "platform": args.platform, "insecure": args.insecure, "interactive": sys.stderr.isatty(),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auditor", description="Readiness audit for AI/ML deployments.")
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan", help="scan files and live targets, score them, gate CI")
    _add_scan_args(scan)
    rules = sub.add_parser("rules", help="list every rule: code, name, controls, severity, target")
    rules.add_argument("--format", choices=("table", "json"), default="table")
    rules.add_argument("--rules-dir", action="append", default=[])
    explain = sub.add_parser("explain", help="a rule's rationale, remediation and examples")
    explain.add_argument("code")
    explain.add_argument("--rules-dir", action="append", default=[])
    collect = sub.add_parser("collect", help="read live targets into an inventory snapshot, judge nothing")
    collect.add_argument("targets", nargs="+", help="live targets (azure:<id>, k8s:<context>, images)")
    collect.add_argument("-o", "--output", required=True, help="snapshot file to write (JSON)")
    _add_live_args(collect)
    controls = sub.add_parser("controls", help="the checklist's controls and the rules implementing them")
    controls.add_argument("--format", choices=("table", "json"), default="table")
    _add_report_commands(sub)
    return parser


def _add_report_commands(sub: Any) -> None:
    baseline = sub.add_parser("baseline", help="record today's failures so the gate judges only new ones")
    bsub = baseline.add_subparsers(dest="baseline_command", required=True)
    create = bsub.add_parser("create", help="scan and write the fingerprints of current failures")
    create.add_argument("targets", nargs="*", default=["."], help="what to scan (as for `auditor scan`)")
    create.add_argument("-o", "--output", default=".auditor-baseline.json", help="baseline file to write")
    create.add_argument("--reason", default=None, help="reason recorded on every entry")
    create.add_argument("--config", help="configuration file")
    create.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    create.add_argument("--select", action="append", default=[], metavar="ID")
    create.add_argument("--ignore", action="append", default=[], metavar="ID")
    create.add_argument("--rules-dir", action="append", default=[], metavar="DIR")
    create.add_argument("--parameters", action="append", default=[], metavar="FILE")
    _add_live_args(create)
    rend = sub.add_parser("render", help="re-render a JSON report in another format, without rescanning")
    rend.add_argument("report", help="a report written by `auditor scan --format json` ('-' for stdin)")
    rend.add_argument("-f", "--format", required=True, help="html, sarif, junit, markdown, console or json")
    rend.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    rend.add_argument("--docs-base-url", default=None, help="base URL of the rule documentation pages")
    rend.add_argument("--include-passed", action="store_true", help="sarif: also emit passes (not for GitHub)")
    rend.add_argument("--no-suppressed", action="store_true", help="sarif: leave suppressed findings out")
    trend = sub.add_parser("trend", help="scores and new/fixed failures across saved JSON reports (periodic audits)")
    trend.add_argument("reports", nargs="+", help="JSON reports of earlier scans, in any order")
    trend.add_argument("--format", choices=("table", "json"), default="table")
    docs = sub.add_parser("docs", help="generate the rule documentation pages (docs/rules)")
    docs.add_argument("-o", "--output", default="docs/rules", help="folder to write <CODE>.md and README.md into")
    docs.add_argument("--rules-dir", action="append", default=[])


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_ERROR if exc.code not in (0, None) else EXIT_PASS
    try:
        if args.command == "scan":
            return _scan(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "controls":
            return _controls(args)
        if args.command == "collect":
            return _collect(args)
        if args.command == "baseline":
            return _baseline_create(args)
        if args.command == "render":
            return _render(args)
        if args.command == "docs":
            return _docs(args)
        if args.command == "trend":
            return _trend(args)
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


def _scan(args: argparse.Namespace) -> int:
    from auditor.config import ConfigError, load_config
    from auditor.reporters import RenderOptions, render_bytes
    from auditor.scan import ScanError, ScanOptions, run_scan

    try:
        cfg, cfg_path = load_config(args.config)
    except ConfigError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return EXIT_ERROR
    outputs = [tuple(o) for o in (args.outputs or [])]
    from auditor.reporters import FORMATS

    for fmt, _ in outputs:
        if fmt not in FORMATS:
            print(f"auditor: unknown format {fmt!r} (known: {', '.join(FORMATS)})", file=sys.stderr)
            return EXIT_ERROR
    extra_sups: tuple[Any, ...] = ()
    if args.baseline:
        try:
            from auditor.baseline import load_baseline  # type: ignore[import-not-found,unused-ignore]

            extra_sups = tuple(load_baseline(args.baseline))
        except ModuleNotFoundError:
            print("auditor: --baseline is not available in this build", file=sys.stderr)
            return EXIT_ERROR
        except (OSError, ValueError) as exc:
            print(f"auditor: cannot read baseline {args.baseline}: {exc}", file=sys.stderr)
            return EXIT_ERROR
    opts = ScanOptions(
        inputs=tuple(args.targets),
        config=cfg,
        config_path=cfg_path,
        select=tuple(args.select),
        ignore=tuple(args.ignore),
        rules_dirs=tuple(args.rules_dir),
        excludes=tuple(args.exclude),
        fail_on=args.fail_on or cfg.fail_on or "low",
        min_score=args.min_score if args.min_score is not None else cfg.min_score,
        fail_on_input_errors=bool(args.fail_on_input_errors or cfg.fail_on_input_errors),
        live=_live_options(args),
        parameters=tuple(args.parameters),
        extra_suppressions=extra_sups,
    )
    try:
        report = run_scan(opts)
    except ScanError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.baseline:
        from auditor.baseline import apply_baseline_gate  # type: ignore[import-not-found,unused-ignore]

        report = apply_baseline_gate(report, args.baseline)
    if not outputs and not args.quiet:
        outputs = [("console", None)]
    color_tty = sys.stdout.isatty() and not args.no_color
    for fmt, path in outputs:
        ropts = RenderOptions(color=color_tty and path is None and fmt == "console", verbose=args.verbose,
                              docs_base_url=cfg.docs_base_url)
        try:
            data = render_bytes(report, fmt, ropts)
        except ValueError as exc:
            print(f"auditor: {exc}", file=sys.stderr)
            return EXIT_ERROR
        if path is None or path == "-":
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_bytes(data)
            except OSError as exc:
                print(f"auditor: cannot write {path}: {exc}", file=sys.stderr)
                return EXIT_ERROR
    return EXIT_PASS if report.gate.passed else EXIT_GATE


def _load(rules_dirs: Sequence[str]) -> Any:
    from auditor.registry import RuleLoadError, load_rules

    try:
        return load_rules(tuple(rules_dirs))
    except RuleLoadError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return None


def _rules(args: argparse.Namespace) -> int:
    from auditor.checklist import load_checklist
    from auditor.engine import rule_severity

    rs = _load(args.rules_dir)
    if rs is None:
        return EXIT_ERROR
    cl = load_checklist()
    rows = [
        {"code": r.meta.code, "name": r.meta.name, "controls": list(r.meta.controls),
         "severity": rule_severity(r, cl, {}), "target": r.meta.target, "scope": r.meta.scope, "title": r.meta.title}
        for r in rs.rules
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return EXIT_PASS
    for row in rows:
        print(f"{row['code']:<8} {row['target']:<11} {row['severity']:<9} {row['name']:<40} {', '.join(row['controls'])}")
    print(f"{len(rows)} rules")
    return EXIT_PASS


def _explain(args: argparse.Namespace) -> int:
    from auditor.checklist import load_checklist
    from auditor.docs import rule_markdown

    rs = _load(args.rules_dir)
    if rs is None:
        return EXIT_ERROR
    r = rs.by_code(args.code)
    if r is None:
        cl = load_checklist()
        if args.code.upper() in cl.control_ids:
            c = cl.control(args.code.upper())
            impl = [x.meta.code for x in rs.rules if c.id in x.meta.controls]
            print(f"{c.id} ({c.section}, {c.severity}): {c.title}\n\n{c.intent}\n\nRules: {', '.join(impl) or 'none'}")
            return EXIT_PASS
        print(f"auditor: no rule or control {args.code}", file=sys.stderr)
        return EXIT_ERROR
    print(rule_markdown(r))
    return EXIT_PASS


def _controls(args: argparse.Namespace) -> int:
    from auditor.checklist import load_checklist

    rs = _load([])
    if rs is None:
        return EXIT_ERROR
    cl = load_checklist()
    rows = []
    for c in cl.controls:
        impl = [r.meta.code for r in rs.rules if c.id in r.meta.controls]
        rows.append({"id": c.id, "section": c.section, "severity": c.severity, "targets": list(c.targets),
                     "rules": impl, "title": c.title})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return EXIT_PASS
    for row in rows:
        print(f"{row['id']:<32} {row['severity']:<9} {','.join(row['targets']):<28} {', '.join(row['rules']) or '-'}")
    return EXIT_PASS


def _collect(args: argparse.Namespace) -> int:
    from auditor.scan import ScanError, ScanOptions, build_inventory, split_live

    for t in args.targets:
        if split_live(t) is None:
            print(f"auditor: collect takes live targets only, not {t}", file=sys.stderr)
            return EXIT_ERROR
    try:
        inv = build_inventory(ScanOptions(inputs=tuple(args.targets), live=_live_options(args)))
    except ScanError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        Path(args.output).write_text(inv.dumps(), encoding="utf-8")
    except OSError as exc:
        print(f"auditor: cannot write {args.output}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"collected {len(inv.resources)} resources, {len(inv.errors)} errors -> {args.output}", file=sys.stderr)
    return EXIT_PASS


def _baseline_create(args: argparse.Namespace) -> int:
    from auditor.baseline import DEFAULT_REASON, create_baseline, dumps
    from auditor.config import ConfigError, load_config
    from auditor.scan import ScanError, ScanOptions, run_scan

    try:
        cfg, cfg_path = load_config(args.config)
    except ConfigError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return EXIT_ERROR
    opts = ScanOptions(
        inputs=tuple(args.targets), config=cfg, config_path=cfg_path, select=tuple(args.select),
        ignore=tuple(args.ignore), rules_dirs=tuple(args.rules_dir), excludes=tuple(args.exclude),
        fail_on="none", live=_live_options(args), parameters=tuple(args.parameters),
    )
    try:
        report = run_scan(opts)
    except ScanError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return EXIT_ERROR
    doc = create_baseline(report, args.reason or DEFAULT_REASON)
    try:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(dumps(doc), encoding="utf-8")
    except OSError as exc:
        print(f"auditor: cannot write {args.output}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"baseline: {len(doc['entries'])} failure(s) recorded -> {args.output}", file=sys.stderr)
    return EXIT_PASS


def _render(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from auditor.report import Report
    from auditor.reporters import FORMATS, RenderOptions, render

    if args.format not in FORMATS:
        print(f"auditor: unknown format {args.format!r} (known: {', '.join(FORMATS)})", file=sys.stderr)
        return EXIT_ERROR
    try:
        raw = sys.stdin.buffer.read() if args.report == "-" else Path(args.report).read_bytes()
        report = Report.from_json(raw)
    except OSError as exc:
        print(f"auditor: cannot read {args.report}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ValidationError as exc:
        print(f"auditor: {args.report} is not an auditor JSON report: {exc.errors()[0]['msg']}", file=sys.stderr)
        return EXIT_ERROR
    ropts = RenderOptions(docs_base_url=args.docs_base_url, include_passed=args.include_passed,
                          include_suppressed=not args.no_suppressed)
    try:
        text = render(report, args.format, ropts)
    except ValueError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.output is None or args.output == "-":
        sys.stdout.write(text)
        return EXIT_PASS
    try:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"auditor: cannot write {args.output}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_PASS


def _docs(args: argparse.Namespace) -> int:
    from auditor.docgen import write_rule_docs

    rs = _load(args.rules_dir)
    if rs is None:
        return EXIT_ERROR
    try:
        written = write_rule_docs(rs.rules, Path(args.output))
    except OSError as exc:
        print(f"auditor: cannot write {args.output}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"docs: {len(written)} file(s) in {args.output}", file=sys.stderr)
    return EXIT_PASS


def _trend(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from auditor.trend import build_trend, render_text

    try:
        t = build_trend(args.reports)
    except OSError as exc:
        print(f"auditor: cannot read a report: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ValidationError as exc:
        print(f"auditor: not an auditor JSON report: {exc.errors()[0]['msg']}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(t.to_json() + "\n" if args.format == "json" else render_text(t))
    return EXIT_PASS
