"""Rebuild static/icons/sprite.svg from the Lucide icons we use (ISC licence, vendored, no CDN).

    npm pack lucide-static && tar xzf lucide-static-*.tgz
    python scripts/icon_sprite.py package/icons

Only the icons named in ICONS go into the sprite, so the page loads a few kilobytes, not 2,500
icons. Templates draw one with `{% icon "bell" %}` (empathy_crm/templatetags/icons.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ICONS = [
    "house", "list-checks", "users", "building-2", "map", "chart-line", "settings", "bell",
    "search", "plus", "check", "clock", "x", "pencil", "trash-2", "download", "upload",
    "message-circle", "calendar", "inbox", "user", "log-out", "chevron-down", "menu", "wallet",
    "mail", "arrow-right", "undo-2", "file-text", "mountain", "heart-handshake", "circle-alert",
    "sparkles", "merge",
]  # fmt: skip

OUT = Path(__file__).resolve().parent.parent / "static" / "icons" / "sprite.svg"


def symbol(name: str, svg: str) -> str:
    body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S).group(1)
    body = re.sub(r"\s*\n\s*", "", body)
    return f'<symbol id="{name}" viewBox="0 0 24 24">{body}</symbol>'


def main(source: Path) -> None:
    symbols = [symbol(name, (source / f"{name}.svg").read_text()) for name in ICONS]
    OUT.write_text(
        "<!-- Lucide icons (ISC licence, see LICENSE in this folder), a subset built by"
        " scripts/icon_sprite.py -->\n"
        '<svg xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" stroke-width="2"'
        ' stroke-linecap="round" stroke-linejoin="round">\n' + "\n".join(symbols) + "\n</svg>\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
