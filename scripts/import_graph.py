"""The import graph of piwarden's parts, drawn from the code (grimp) into docs/architecture.md.

    .venv/bin/python scripts/import_graph.py           # rewrite the graph in docs/architecture.md
    .venv/bin/python scripts/import_graph.py --check   # exit 1 if the doc is stale or a rule is broken

A part is a subpackage of ``piwarden`` (``detect``, ``audit``, ...) or one ground-floor module
(``entities``, ``settings``, ...). An edge ``a --> b`` means some module of ``a`` imports one of
``b`` at run time (imports under ``TYPE_CHECKING`` are left out, as the layer contract does).
Rules checked here, besides the layer contract that ``lint-imports`` enforces module by module:
no cycle between parts, no part but the command line importing ``demo``, and forensics
reading the audit log (an edge ``forensics --> audit``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "architecture.md"
START, END = "<!-- import-graph:start -->", "<!-- import-graph:end -->"
INTERFACES = ("cli", "server")  # the only parts allowed to reach into demo (the demo commands)
REQUIRED_EDGES = (("forensics", "audit"),)


def part_edges() -> Counter[tuple[str, str]]:
    """(importer part, imported part) -> number of module-level imports between them."""
    graph = grimp.build_graph("piwarden", exclude_type_checking_imports=True)
    edges: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        src = _part(module)
        for imported in graph.find_modules_directly_imported_by(module):
            dst = _part(imported)
            if src and dst and src != dst:
                edges[src, dst] += 1
    return edges


def _part(module: str) -> str | None:
    names = module.split(".")
    return names[1] if names[0] == "piwarden" and len(names) > 1 else None


def cycles(edges: Counter[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one part (Tarjan), each sorted."""
    succ: dict[str, list[str]] = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(succ):
        if v not in index:
            visit(v)
    return found


def problems(edges: Counter[tuple[str, str]]) -> list[str]:
    out = [f"import cycle between parts: {' <-> '.join(c)}" for c in cycles(edges)]
    out += [f"{a} imports demo (only {', '.join(INTERFACES)} may)" for a, b in edges
            if b == "demo" and a not in INTERFACES and a != "demo"]
    out += [f"missing edge {a} --> {b}" for a, b in REQUIRED_EDGES if (a, b) not in edges]
    return out


def mermaid(edges: Counter[tuple[str, str]]) -> str:
    parts = sorted({p for e in edges for p in e})
    packages = [p for p in parts if (REPO / "src" / "piwarden" / p).is_dir()]
    ground = [p for p in parts if p not in packages]
    lines = ["```mermaid", "flowchart TD"]
    lines += [f"  {p}[{p}/]" for p in packages]
    lines += ["  subgraph ground [ground floor]"] + [f"    {p}[{p}.py]" for p in ground] + ["  end"]
    # Edges into the ground floor are drawn once per importing part, to the subgraph, to keep it legible.
    to_ground = Counter(a for (a, b) in edges if b in ground and a not in ground)
    lines += [f"  {a} --> {b}" for (a, b) in sorted(edges) if b not in ground or a in ground]
    lines += [f"  {a} -.-> ground" for a in sorted(to_ground)]
    lines.append("```")
    return "\n".join(lines)


def render() -> tuple[str, list[str]]:
    edges = part_edges()
    doc = DOC.read_text("utf-8")
    if START not in doc or END not in doc:
        raise SystemExit(f"{DOC} lacks the markers {START} / {END}")
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{mermaid(edges)}\n{END}{tail}", problems(edges)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the doc is stale or a rule is broken")
    args = parser.parse_args()
    new, broken = render()
    for p in broken:
        print(f"import rule broken: {p}", file=sys.stderr)
    if args.check:
        if new != DOC.read_text("utf-8"):
            print(f"{DOC.relative_to(REPO)} is stale: run scripts/import_graph.py", file=sys.stderr)
            return 1
        return 1 if broken else 0
    DOC.write_text(new, "utf-8")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
