"""Screenshots of the explorer on azure-news, made by this script (headless Debian Chromium, Playwright).

    python bench/screenshots.py [--out docs/img]

Starts `streamlit run graphapp/app.py` on the corpus, opens each view, waits for the network (or the page)
to draw, and writes one PNG per view. The README shows two of them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

from _util import corpus
from app import ARGS, CHROMIUM, start_server

ROOT = Path(__file__).resolve().parents[1]
VIEWS = {
    "network-whole": "",
    "event-page": "?tab=Clusters",
    "network-cluster": "?level=topics&focus=cluster&focus_cluster=1",
    "network-story": "?focus=story",
    "network-outlet": "?focus=outlet&focus_outlet=microsoft.com",
    "rankings": "?tab=Rankings",
    "outlets": "?tab=Outlets",
    "timeline": "?tab=Timeline",
}


def shoot(url: str, out: Path, wait: float = 240) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, query in VIEWS.items():
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            start = time.time()
            page.goto(url + query)
            drawn = False
            while time.time() - start < wait and not drawn:
                for frame in page.frames:
                    with contextlib.suppress(Exception):  # frames come and go while Streamlit renders
                        drawn = drawn or frame.evaluate("window.graphappDrawnAt !== undefined")
                if not name.startswith("network") and time.time() - start > 5:
                    drawn = page.locator('[data-testid="stStatusWidget"]').count() == 0  # the script has finished
                page.wait_for_timeout(250)
            page.wait_for_timeout(2500)
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"{name}: {time.time() - start:.1f} s", flush=True)
            page.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    process, url = start_server(corpus("azure-news"))
    try:
        shoot(url, args.out)
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
