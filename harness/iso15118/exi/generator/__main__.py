"""`python -m harness.iso15118.exi.generator [--wheel FILE] [--check]`: regenerate the grammar tables.

Without --wheel the pinned wheel is fetched with pip. --check compares instead of writing and exits 1 on any
difference, so CI can prove the committed tables are what the generator makes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .emit import render_module
from .grammar import build_namespace
from .models import render_models
from .pins import NAMESPACES
from .source import SourceError, load_schemas
from .xsd import SchemaError, SchemaSet

GENERATED = Path(__file__).resolve().parent.parent / "generated"
MODELS = Path(__file__).resolve().parents[2] / "messages"


def generate(schemas: dict[str, bytes]) -> dict[Path, str]:
    """Output path -> text: the grammar tables of every namespace and the message models."""
    outputs: dict[Path, str] = {}
    grammars = {}
    for module, (root, namespace) in NAMESPACES.items():
        built = build_namespace(SchemaSet(schemas, root))
        grammars[module] = (namespace, built)
        outputs[GENERATED / f"{module}.py"] = render_module(namespace, root, built)
    for module, text in render_models(grammars).items():
        outputs[MODELS / f"{module}.py"] = text
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.iso15118.exi.generator", description=__doc__)
    parser.add_argument("--wheel", type=Path, help="a local copy of the iso15118 0.31.2 wheel (default: pip download)")
    parser.add_argument("--check", action="store_true", help="compare with the committed modules, write nothing")
    options = parser.parse_args(argv)
    try:
        modules = generate(load_schemas(options.wheel))
    except (SourceError, SchemaError) as exc:
        print(f"generator: {exc}", file=sys.stderr)
        return 2
    differing = []
    for path, text in modules.items():
        if options.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                differing.append(path.name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if options.check:
        if differing:
            print(f"generator: out of date: {', '.join(differing)}", file=sys.stderr)
            return 1
        print(f"generator: {len(modules)} modules up to date")
        return 0
    print(f"generator: wrote {len(modules)} modules to {GENERATED} and {MODELS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
