"""axe-core (npm's axe-core 4.14.1, vendored in tests/web/vendor under its MPL-2.0 header) run inside
the page by Playwright: the serious and critical accessibility violations a page has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page: Any) -> list[str]:
    """Each serious or critical violation on the page as a line: rule, impact, and where."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in found if v.get("impact") in BLOCKING]
