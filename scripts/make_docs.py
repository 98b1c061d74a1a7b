"""Write the generated docs: the definitions catalogue and the data contract.

Run with ``make docs``. The catalogue comes from the bundled plugins only (not from whatever
else happens to be installed), so the file in the repository is reproducible.
"""

from __future__ import annotations

import sys
from pathlib import Path

import safeguarding_metrics_national as national
from safeguarding_metrics import build_registry
from safeguarding_metrics.catalogue import catalogue_markdown, contract_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def bundled_registry():  # type: ignore[no-untyped-def]
    plugins: list[tuple[str, object]] = [("national", national)]
    try:
        import safeguarding_metrics_rotherham as rotherham
    except ImportError:
        pass
    else:
        plugins.append(("rotherham", rotherham))
    return build_registry(plugins)


def generated() -> dict[str, str]:
    return {
        "indicators.md": catalogue_markdown(bundled_registry()),
        "data-contract.md": contract_markdown(),
    }


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    for name, text in generated().items():
        (DOCS / name).write_text(text, encoding="utf-8")
        print(f"wrote docs/{name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
