"""``piwarden mask``: mask text records and table files by policy, and lint policies.

Mounted by the top-level CLI as a sub-app: ``piwarden mask run INPUTS...``,
``piwarden mask table IN OUT --columns ...`` and ``piwarden mask policy lint FILE``. Keys are never printed; errors name records, not values.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
import yaml
from rich.console import Console

from piwarden import entities
from piwarden.cli.common import EncodingOption, ExitCode, KeyFileOption, check_io, on_interrupt, outcome, parse_types
from piwarden.cli.waybill import waybill
from piwarden.detect.analyzer import DEFAULT_MIN_SCORE
from piwarden.detect.records import RecordError, input_size, iter_records
from piwarden.detect.runner import DetectOptions
from piwarden.mask.errors import MaskError, PolicyError
from piwarden.mask.keys import KeyFileError, KeyRing, key_available, key_path, load_keys
from piwarden.mask.lint import lint_policy
from piwarden.mask.policy import ANY, Policy, Ruleset, default_policy, load_policy
from piwarden.mask.stream import MaskOptions, mask_stream
from piwarden.mask.text import OnError
from piwarden.outputs import atomic_open
from piwarden.progress import ByteProgress

app = typer.Typer(help="Mask personal information by policy: partial, redact, pseudonyms, tokens, FPE, "
                       "generalization.", no_args_is_help=True, add_completion=False)
policy_app = typer.Typer(help="Check and show masking policies.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
err = Console(stderr=True, soft_wrap=True)


def _load(policy: Path | None) -> Policy:
    if policy is None:
        return default_policy()
    try:
        return load_policy(policy)
    except PolicyError as exc:
        raise typer.BadParameter(str(exc), param_hint="--policy") from None


@app.command("run")
def run(
    inputs: Annotated[list[str], typer.Argument(help="JSONL files ({id, text} per line), text files, or - "
                                                     "for JSONL on standard input.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write JSONL here instead of "
                                                                       "standard output.")] = None,
    policy: Annotated[Path | None, typer.Option(help="Masking policy (YAML); default: by grade.")] = None,
    role: Annotated[str, typer.Option(help="Role of the viewer; picks the policy's rules.")] = ANY,
    purpose: Annotated[str | None, typer.Option(help="Purpose of the release; keyed operators derive "
                                                     "their keys from it.")] = None,
    key_file: KeyFileOption = None,
    subject_field: Annotated[str | None, typer.Option(help="Input field naming the data subject (for "
                                                           "date_shift); default: the record id.")] = None,
    keep_fields: Annotated[str | None, typer.Option(help="Comma-separated input fields copied to the output "
                                                         "unmasked (default: none).")] = None,
    types: Annotated[str | None, typer.Option(help="Comma-separated entity types to mask (default: all).")] = None,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Ignore spans scored below this.")]
    = DEFAULT_MIN_SCORE,
    config: Annotated[Path | None, typer.Option(help="Recognizer configuration (YAML).")] = None,
    names: Annotated[bool, typer.Option(help="Find person names, addresses and organisations with the "
                                             "trained model too (docs/ner.md); --no-names: the "
                                             "rules only, several times faster.")] = True,
    jobs: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    strict: Annotated[bool, typer.Option(help="Stop at the first malformed record.")] = False,
    progress: Annotated[bool | None, typer.Option(help="Progress on standard error (default: when it is a "
                                                       "terminal).")] = None,
    encoding: EncodingOption = None,
) -> None:
    """Detect and mask PI in text records; one JSONL line {id, text, entities} per record, in order."""
    check_io(inputs, output)
    pol = _load(policy)
    _, keys = _resolve(pol, role, purpose, key_file)  # fail here, not in a worker
    options = MaskOptions(pol, role, purpose, keys, DetectOptions(parse_types(types), min_score,
                                                                  str(config) if config else None, names=names),
                          subject_field, tuple(f for f in (keep_fields or "").split(",") if f))
    ops: Counter[str] = Counter()
    records = errors = fallbacks = 0
    bar = ByteProgress("mask", input_size(inputs), enabled=progress, console=err)
    stream = (item for path in inputs for item in iter_records(path, encoding))
    with on_interrupt(lambda: f"{records} records masked; "
                              + (f"nothing written to {output}" if output else "their lines were written")), \
            (atomic_open(output) if output else contextlib.nullcontext(sys.stdout.buffer)) as sink, bar, \
            contextlib.closing(mask_stream(stream, options, jobs=jobs,  # closed at once: stops the workers
                                           on_batch=lambda b: bar.advance(sum(r.size for r in b)))) as results:
        for result in results:
            if isinstance(result, RecordError):
                errors += 1
                err.print(f"[yellow]skipped[/] {result}", highlight=False)
                if strict:
                    raise typer.Exit(2)
                continue
            records += 1
            for span in result["entities"]:  # type: ignore[attr-defined]
                ops[f"{span['type']}:{span['operator']}"] += 1
                fallbacks += bool(span.get("fallback"))
            sink.write(orjson.dumps(result) + b"\n")
        summary = ", ".join(f"{k} {n}" for k, n in ops.most_common()) or "no PI found"
        note = f"; {fallbacks} values the operator could not handle were replaced by <TYPE>" if fallbacks else ""
        err.print(f"{records} records, {errors} skipped; {summary}{note}", highlight=False)
        if outcome(records, errors) == ExitCode.USAGE:  # nothing readable: no output file either
            raise typer.Exit(ExitCode.USAGE)
    raise typer.Exit(outcome(records, errors))


def _resolve(pol: Policy, role: str, purpose: str | None, key_file: str | None) -> tuple[Ruleset, KeyRing | None]:
    """The policy's operators for ``role`` and the keys they use (None when no rule needs one).

    Exits 2 on policy errors; an unusable key file is a bad ``--key-file``.
    """
    try:
        keys = load_keys(key_file) if pol.needs_key(role, purpose) else None
        return pol.ruleset(role, purpose, keys), keys
    except (PolicyError, entities.UnknownEntityType) as exc:
        err.print(f"[red]policy error[/] {exc} (run `piwarden mask policy lint`)", highlight=False)
        raise typer.Exit(2) from None
    except KeyFileError as exc:
        raise typer.BadParameter(str(exc), param_hint="--key-file") from None


def parse_columns(spec: str) -> dict[str, str]:
    """``name=PERSON,sjhm=PHONE,note=TEXT`` -> {column: canonical type or TEXT}."""
    columns: dict[str, str] = {}
    for column, type_ in _pairs(spec, "--columns", "COLUMN=TYPE").items():
        if type_.upper() == "TEXT":
            columns[column] = "TEXT"
            continue
        try:
            columns[column] = entities.canonical(type_)
        except entities.UnknownEntityType as exc:
            raise typer.BadParameter(str(exc), param_hint="--columns") from None
    if not columns:
        raise typer.BadParameter("name at least one COLUMN=TYPE", param_hint="--columns")
    return columns


@app.command("table")
def table(
    input: Annotated[Path, typer.Argument(help="CSV, TSV, JSONL, Parquet or XLSX file.", exists=True,
                                          dir_okay=False)],
    output: Annotated[Path, typer.Argument(help="Where the masked file goes (same format).")],
    columns: Annotated[str, typer.Option(help="What the columns hold: COLUMN=TYPE,... (e.g. "
                                              "xm=PERSON,sjhm=PHONE,remark=TEXT; TEXT: detect in free text), "
                                              "or 'auto' to classify the columns from their names and the "
                                              "first rows; other columns are copied.")],
    policy: Annotated[Path | None, typer.Option(help="Masking policy (YAML); default: by grade.")] = None,
    role: Annotated[str, typer.Option(help="Role of the viewer; picks the policy's rules.")] = ANY,
    purpose: Annotated[str | None, typer.Option(help="Purpose of the release; keyed operators derive "
                                                     "their keys from it.")] = None,
    key_file: KeyFileOption = None,
    subject_column: Annotated[str | None, typer.Option(help="Column naming the data subject (for "
                                                            "date_shift); default: each row is its own.")] = None,
    format: Annotated[str | None, typer.Option("--format", help="csv, tsv, jsonl, parquet or xlsx (default: "
                                                                "from the suffix).")] = None,
    batch_rows: Annotated[int, typer.Option(min=1, help="Rows masked per batch.")] = 65_536,
    names: Annotated[bool, typer.Option(help="In TEXT columns, find names, addresses and organisations "
                                             "with the trained model too; --no-names: the rules only.")]
    = True,
    strict: Annotated[bool, typer.Option(help="Stop at a value the operator cannot handle instead of "
                                              "writing <TYPE>.")] = False,
    progress: Annotated[bool | None, typer.Option(help="Progress on standard error (default: when it is a "
                                                       "terminal).")] = None,
    encoding: EncodingOption = None,
) -> None:
    """Mask the named columns of a table file, streamed in batches, vectorized per column."""
    from piwarden.mask.files import FileJob, mask_file  # polars and pyarrow load only when needed
    from piwarden.mask.table import TEXT
    from piwarden.mask.text import Masker

    check_io([str(input)], output)
    cols = _auto_columns(input, format, encoding) if columns.strip().lower() == "auto" else parse_columns(columns)
    rules = _resolve(_load(policy), role, purpose, key_file)[0]
    on_error: OnError = "raise" if strict else "replace"
    # free text: detection as `mask run` does it, the names model included unless --no-names
    masker = Masker(rules, on_error=on_error, analyzer=DetectOptions(names=names).analyzer()) \
        if TEXT in cols.values() else None
    job = FileJob(cols, rules, subject_column, on_error, batch_rows, masker, encoding=encoding)
    bar = ByteProgress("mask", input.stat().st_size, enabled=progress, console=err)
    try:
        with on_interrupt(lambda: f"nothing written to {output}"), bar:
            report = mask_file(input, output, job, fmt=format, progress=bar.advance)
    except MaskError as exc:
        err.print(f"[red]error[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    err.print(f"{report.rows} rows; masked {', '.join(f'{c} ({t})' for c, t in cols.items())} -> {output}",
              highlight=False)


def _auto_columns(path: Path, fmt: str | None, encoding: str | None, rows: int = 1000) -> dict[str, str]:
    """Columns classified by name and the first ``rows`` values (the scan's classifier)."""
    from piwarden.mask.files import head_frame
    from piwarden.scan.classify import Classifier

    try:
        head = head_frame(path, rows, fmt, encoding)
    except MaskError as exc:
        err.print(f"[red]error[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    classifier = Classifier()
    chosen: dict[str, str] = {}
    for name in head.columns:
        found = classifier.column(name, head[name].to_list())
        if found.free_text and found.found:
            chosen[name] = "TEXT"
        elif found.entity and entities.get(found.entity).is_pi and found.confidence >= 0.5:
            chosen[name] = found.entity
        elif _holds_pi_spans(classifier, head[name]):
            chosen[name] = "TEXT"
    if not chosen:
        err.print(f"no PI columns found in the first {rows} rows; name them with --columns", highlight=False)
        raise typer.Exit(2)
    err.print("columns: " + ", ".join(f"{c}={t}" for c, t in chosen.items()), highlight=False)
    return chosen


def _holds_pi_spans(classifier: Any, values: Any) -> bool:
    """Whether some sampled values (at least 1%) contain PI inside other text: mask it as TEXT."""
    texts = [str(v) for v in values.drop_nulls().to_list() if str(v).strip()]
    if not texts:
        return False
    hits = sum(any(entities.get(s.type).is_pi for s in spans) for spans in classifier.analyzer.analyze_batch(texts))
    return hits >= max(1, len(texts) // 100)


def _pairs(spec: str | None, option: str, form: str = "COLUMN=NAME") -> dict[str, str]:
    """``a=x,b=y`` -> {a: x, b: y}; a part that is not ``form`` is a bad ``option``."""
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        key, sep, value = part.rpartition("=")
        if not sep or not key or not value:
            raise typer.BadParameter(f"{part!r} is not {form}", param_hint=option)
        pairs[key] = value
    return pairs


@app.command("risk")
def risk(
    input: Annotated[Path, typer.Argument(help="CSV, TSV, JSONL, Parquet or XLSX file.", exists=True,
                                          dir_okay=False)],
    qi: Annotated[str, typer.Option("--qi", help="Quasi-identifier columns, comma-separated (e.g. "
                                                 "birth_date,postcode,gender).")],
    sensitive: Annotated[str | None, typer.Option(help="Sensitive column, for l-diversity.")] = None,
    k: Annotated[int, typer.Option(min=1, help="Target k: with --output, generalize until every class has "
                                               "k records.")] = 5,
    l_diversity: Annotated[int, typer.Option("--l", min=0, help="Target l: distinct sensitive values per "
                                                                "class (needs --sensitive).")] = 0,
    hierarchy: Annotated[str | None, typer.Option(help="COLUMN=HIERARCHY,... (age, number, date, postcode, "
                                                       "address, category; default by column type).")] = None,
    max_suppression: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of records that may be "
                                                                          "suppressed.")] = 0.05,
    drop_suppressed: Annotated[bool, typer.Option(help="Drop suppressed records instead of starring their "
                                                       "quasi-identifiers.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the k-anonymous table here "
                                                                       "(same format).")] = None,
) -> None:
    """Measure re-identification risk (k, l, unique records); with --output, generalize to reach k."""
    from piwarden.mask.files import file_format, read_frame, write_frame
    from piwarden.mask.risk import anonymize, assess

    quasi = [c.strip() for c in qi.split(",") if c.strip()]
    try:
        frame = read_frame(input)
        if output is None:
            result: dict[str, object] = assess(frame, quasi, sensitive=sensitive, k=k).to_dict()
        else:
            if file_format(output) != file_format(input):
                raise MaskError(f"{output.name} would change the format of {input.name}")
            done = anonymize(frame, quasi, k, hierarchies=_pairs(hierarchy, "--hierarchy"), sensitive=sensitive,
                             l_diversity=l_diversity, max_suppression=max_suppression,
                             drop_suppressed=drop_suppressed)
            write_frame(done.frame, output)
            result = done.report()
    except MaskError as exc:
        err.print(f"[red]error[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    typer.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


@policy_app.command("lint")
def lint(
    file: Annotated[Path, typer.Argument(help="Policy file (YAML).", exists=True, dir_okay=False)],
    key_file: KeyFileOption = None,
) -> None:
    """Report unknown types and operators, bad parameters, missing keys, sensitive types left in clear."""
    try:
        pol = load_policy(file)
    except PolicyError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(1) from None
    available = key_available(key_file)
    issues = lint_policy(pol, key_available=available,
                         created_on_use=None if available else str(key_path(key_file)))
    out = Console(soft_wrap=True)  # a long path is not cut into two lines
    for issue in issues:
        colour = "red" if issue.severity == "error" else "yellow"
        out.print(f"[{colour}]{issue.severity}[/] {issue.where}: {issue.message}", highlight=False)
    n_err = sum(i.severity == "error" for i in issues)
    out.print(f"{file}: {n_err} errors, {len(issues) - n_err} warnings", highlight=False)
    if n_err:
        raise typer.Exit(1)


@policy_app.command("default")
def show_default(tokens: Annotated[bool, typer.Option(help="Tokenize L3 types instead of partial "
                                                          "masking.")] = False) -> None:
    """Print the default policy by grade, expanded per type, as YAML to start a policy from."""
    pol = default_policy(tokens=tokens)
    rules = {t: pol.rule_for(ANY, t).operator for t in entities.ENTITY_TYPES}
    doc: dict[str, object] = {"name": "my-policy", "clear_roles": [], "default": pol.default, "roles": {ANY: rules}}
    typer.echo(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


app.command("waybill")(waybill)  # defined with the waybill package; listed last
