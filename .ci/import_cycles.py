"""Fail if the project's modules import each other in a cycle, function-level imports included.

`lint-imports` checks the layers between packages; a cycle between two modules of one package (hidden by a
lazy import inside a function) passes it. grimp, import-linter's graph library, records every import
statement wherever it sits, so a cycle here is one that only the import order keeps from breaking.

    uv run --frozen python .ci/import_cycles.py     # exit 1 and the cycles, or exit 0
"""

import sys
from collections.abc import Iterator
from itertools import pairwise

import grimp

PACKAGES = ("states", "models", "notifications", "hiring", "flows")


def strongly_connected(graph: grimp.ImportGraph) -> Iterator[list[str]]:
    """Tarjan's components of the module graph, iteratively (no recursion limit), with two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, successors = work[-1]
            successor = next(successors, None)
            if successor is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    component = _pop_component(stack, on_stack, module)
                    if len(component) > 1:
                        yield sorted(component)
            elif successor not in index:
                index[successor] = low[successor] = len(index)
                stack.append(successor)
                on_stack.add(successor)
                work.append((successor, iter(sorted(graph.find_modules_directly_imported_by(successor)))))
            elif successor in on_stack:
                low[module] = min(low[module], index[successor])


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    component = []
    while True:
        module = stack.pop()
        on_stack.discard(module)
        component.append(module)
        if module == root:
            return component


def one_cycle(graph: grimp.ImportGraph, component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as `importer -> imported (l.N)` steps."""
    start = component[0]
    best: tuple[str, ...] | None = None
    for successor in sorted(graph.find_modules_directly_imported_by(start) & set(component)):
        chain = graph.find_shortest_chain(importer=successor, imported=start)
        if chain is not None and (best is None or len(chain) < len(best)):
            best = chain
    assert best is not None, "a strongly connected component has a cycle through each of its modules"
    path = (start, *best)
    return [f"{a} -> {b} ({_lines(graph, a, b)})" for a, b in pairwise(path)]


def _lines(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    return ", ".join(f"l.{detail['line_number']}" for detail in details)


def main() -> int:
    graph = grimp.build_graph(*PACKAGES)
    components = list(strongly_connected(graph))
    for component in components:
        print(f"import cycle among {', '.join(component)}:")
        for step in one_cycle(graph, component):
            print(f"    {step}")
    print(f"{len(components)} import cycle(s) among the modules of {', '.join(PACKAGES)}")
    return 1 if components else 0


if __name__ == "__main__":
    sys.exit(main())
