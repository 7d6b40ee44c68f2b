"""The screenshot of `cnncalc report` in docs/ and the README, made from the spec so that it
stays current:

    python docs/pictures/report.py [FOLDER]   # writes FOLDER/report-resnet50.png (default: here)

It writes ResNet-50's report, opens it in Debian's headless chromium (selenium and the system
chromedriver, as tests/pictures/test_browser.py does), clicks conv1's node and screenshots the
diagram with the selected layer's panel. tests/pictures/test_browser.py runs it."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NAME = "report-resnet50.png"


def main(folder: Path = HERE) -> Path:
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    import cnncalc

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        raise SystemExit("needs Debian's chromium and chromium-driver (apt-get install)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,960",
                 "--hide-scrollbars", "--force-device-scale-factor=1"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(tmp) / "report.html"
            here = Path.cwd()
            os.chdir(ROOT)  # the page names the spec as given: specs/resnet50.yaml
            try:
                page.write_text(cnncalc.analyze("specs/resnet50.yaml").to_html(), "utf-8")
            finally:
                os.chdir(here)
            driver.get(page.as_uri())
            node = driver.find_element(By.CSS_SELECTOR, '.view:not([hidden]) g[data-layer="conv1"]')
            ActionChains(driver).click(node.find_element(By.TAG_NAME, "rect")).perform()
            out = folder / NAME
            out.write_bytes(driver.get_screenshot_as_png())
    finally:
        driver.quit()
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
