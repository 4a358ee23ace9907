"""Full-page screenshots of pages of a running mixshare, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000 --user admin \
        --password "$MIXSHARE_DEMO_PASSWORD" /batches=docs/screenshots/batches.png ...

Logs in once through the login form (as a person would), then opens each PATH and saves it
to FILE. The browser is ``MIXSHARE_CHROMIUM``, else ``chromium`` on the PATH (as for the
browser tests; ``apt-get install -y chromium fonts-wqy-microhei`` as root installs one with a
CJK font). Usually run against ``scripts/demo --serve``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default=os.environ.get("MIXSHARE_DEMO_PASSWORD", ""))
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("shots", nargs="+", metavar="PATH=FILE")
    args = parser.parse_args()
    chromium = os.environ.get("MIXSHARE_CHROMIUM") or shutil.which("chromium") or "chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        page.goto(f"{args.url}/login")
        page.fill("input[name=username]", args.user)
        page.fill("input[name=password]", args.password)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(re.compile(r"/dashboard"))
        for shot in args.shots:
            path, _, target = shot.rpartition("=")  # a path may hold "=", a file name not
            page.goto(f"{args.url}{path}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=target, full_page=True)
            print(f"{path} -> {target}")
        browser.close()


if __name__ == "__main__":
    main()
