"""Screenshots of pages as a user sees them (Debian's Chromium via Playwright).

usage: .venv/bin/python scripts/shoot.py BASE_URL USER PASSWORD OUTDIR PATH [PATH ...]
Takes each PATH at desktop (1366x850) and phone (360x740) size after logging in.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = {"desktop": (1366, 850), "phone": (360, 740)}


def main(base, user, password, outdir, *paths):
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for label, (w, h) in SIZES.items():
            page = browser.new_page(viewport={"width": w, "height": h})
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            for path in paths:
                page.goto(base + path)
                page.wait_for_timeout(2500)
                name = path.strip("/").replace("/", "_") or "home"
                page.screenshot(path=str(out / f"{name}-{label}.png"))
                print(out / f"{name}-{label}.png")
            page.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
