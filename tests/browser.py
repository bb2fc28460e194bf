"""Drive headless Chromium over a voicecoach page and print what a user would see, as JSON.

Run by tests/test_html.py inside a network namespace with only loopback up (chromedriver talks to
Chromium over loopback), so the page provably loads nothing from the network:

    python tests/browser.py answer PAGE.html     # or: interview, progress, batch PAGE.html

Uses Debian's chromium and chromium-driver (scripts/setup.sh installs them) through Selenium.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def driver(width: int = 1100, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--mute-audio",
        f"--window-size={width},{height}",
        "--autoplay-policy=no-user-gesture-required",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def wait_for(d, script: str, timeout_s: float = 20.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = d.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(script)


def common(d) -> dict:
    return {
        "console": [e for e in d.get_log("browser") if e["level"] in ("SEVERE", "WARNING")],
        "resources": d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"),
        "title": d.title,
    }


def answer(d, page: Path) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d.get(page.resolve().as_uri())
    out: dict = {}
    out["duration_s"] = wait_for(
        d,
        "const a = document.getElementById('answer');"
        "return a.readyState >= 1 && isFinite(a.duration) ? a.duration : null",
    )
    words = d.find_elements(By.CSS_SELECTOR, "#transcript .w")
    out["words"] = len(words)
    picks = sorted({0, len(words) // 3, len(words) // 2, 2 * len(words) // 3, len(words) - 1})
    clicks = []
    for i in picks:
        w = words[i]
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", w)
        w.click()
        # the position right after the click (playback may have moved it on by a few ms)
        at = d.execute_script("const a = document.getElementById('answer'); return a.currentTime")
        now = d.execute_script("const n = document.querySelector('#transcript .w.now'); return n ? n.dataset.s : null")
        d.execute_script("document.getElementById('answer').pause()")
        clicks.append(
            {
                "text": w.text,
                "start_s": float(w.get_attribute("data-s")),
                "current_s": at,
                "highlighted_s": float(now) if now else None,
            }
        )
    out["clicks"] = clicks
    out["markers"] = {
        k: len(d.find_elements(By.CSS_SELECTOR, f"#timeline .marker.{k}")) for k in ("written", "heard", "pause", "gap")
    }
    marker = d.find_elements(By.CSS_SELECTOR, "#timeline .marker")
    if marker:
        d.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", marker[-1])
        out["marker_click"] = {
            "t": float(marker[-1].get_attribute("data-t")),
            "current_s": d.execute_script("return document.getElementById('answer').currentTime"),
        }
        d.execute_script("document.getElementById('answer').pause()")
    # keyboard: from 0, → steps 5 s; space plays, space again pauses
    d.execute_script("document.getElementById('answer').currentTime = 0; document.activeElement.blur()")
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    out["after_right_s"] = d.execute_script("return document.getElementById('answer').currentTime")
    body.send_keys(Keys.SPACE)
    time.sleep(0.3)
    out["playing_after_space"] = not d.execute_script("return document.getElementById('answer').paused")
    body.send_keys(Keys.SPACE)
    out["paused_after_space"] = d.execute_script("return document.getElementById('answer').paused")
    out.update(common(d))
    # printed: the player and the key help go, the numbers and the transcript stay
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    shown = "return getComputedStyle(document.querySelector(arguments[0])).display !== 'none'"
    out["printed"] = {
        sel: d.execute_script(shown, sel) for sel in (".player", "footer .keys", "#summary", "#transcript")
    }
    out["printed_pdf_bytes"] = len(d.execute_cdp_cmd("Page.printToPDF", {})["data"])
    return out


def charts(d, page: Path) -> dict:
    from selenium.webdriver.common.by import By

    d.get(page.resolve().as_uri())
    figs = d.find_elements(By.CSS_SELECTOR, "figure.chart")
    out = {
        "charts": {
            f.get_attribute("data-metric"): {
                "points": len(f.find_elements(By.CSS_SELECTOR, "circle.pt")),
                "best": len(f.find_elements(By.CSS_SELECTOR, "circle.pt.best")),
                "bands": len(f.find_elements(By.CSS_SELECTOR, "rect.band")),
                "bars": len(f.find_elements(By.CSS_SELECTOR, "rect.hist")),
                "height_px": f.find_element(By.TAG_NAME, "svg").size["height"]
                if f.find_elements(By.TAG_NAME, "svg")
                else 0,
            }
            for f in figs
        }
    }
    out["links"] = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "table a")]
    out.update(common(d))
    return out


def interview(d, page: Path) -> dict:
    """An interview's page: each answer's player and transcript; a click on a word plays that answer
    from the word (and pauses any other)."""
    from selenium.webdriver.common.by import By

    d.get(page.resolve().as_uri())
    sections = d.find_elements(By.CSS_SELECTOR, "section.answer")
    out: dict = {"answers": [], "clicks": []}
    for i, sec in enumerate(sections):
        players = sec.find_elements(By.TAG_NAME, "audio")
        duration = None
        end = time.monotonic() + 20
        while players and duration is None and time.monotonic() < end:
            duration = d.execute_script(
                "const a = arguments[0]; return a.readyState >= 1 && isFinite(a.duration) ? a.duration : null",
                players[0],
            )
            time.sleep(0.05)
        words = sec.find_elements(By.CSS_SELECTOR, ".w")
        out["answers"].append(
            {
                "session": sec.get_attribute("data-session"),
                "players": len(players),
                "duration_s": duration,
                "words": len(words),
            }
        )
    for k in range(len(sections) - 1, -1, -1):  # the last answer first: the others must stay paused
        words = sections[k].find_elements(By.CSS_SELECTOR, ".w")
        if not words:
            continue
        w = words[len(words) // 2]
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", w)
        w.click()
        state = d.execute_script(
            "return Array.from(document.querySelectorAll('section.answer')).map(s => {"
            " const a = s.querySelector('audio'), n = s.querySelector('.w.now');"
            " return {t: a ? a.currentTime : null, paused: a ? a.paused : null, now: n ? n.dataset.s : null}; })"
        )
        out["clicks"].append({"answer": k, "start_s": float(w.get_attribute("data-s")), "state": state})
    d.execute_script("document.querySelectorAll('audio').forEach(a => a.pause())")
    out.update(common(d))
    return out


def main() -> None:
    mode, page = sys.argv[1], Path(sys.argv[2])
    shot = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    d = driver()
    try:
        result = {"answer": answer, "interview": interview}.get(mode, charts)(d, page)
        if shot is not None:
            d.execute_script("window.scrollTo(0, 0)")
            d.save_screenshot(str(shot))
    finally:
        d.quit()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
