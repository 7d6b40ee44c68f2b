"""The report in a real browser: Debian's headless Chromium driven by Selenium through the
system chromedriver (no download: both binaries are given by path). For LeNet-5, ResNet-50
and U-Net: no console errors, no network request but the page's own file, every layer's row,
a click on a row shows its arithmetic, sorting sorts, and the screenshot is not blank.
.ci/run installs the `chromium` and `chromium-driver` packages where they are missing."""

from __future__ import annotations

import importlib.util
import json
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import cnncalc
from cnncalc.render.diagram import xml_name
from tests.codegen import hostile

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["lenet5", "resnet50", "unet"]


def binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(f"none of {names} on PATH: install Debian's chromium and chromium-driver")


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = binary("chromium", "chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(binary("chromedriver")))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def visit(driver: webdriver.Chrome, page: Path) -> tuple[list[str], list[str]]:
    """Open `page`; the console's errors and the URLs of every request it made."""
    driver.get_log("browser"), driver.get_log("performance")  # drop what came before
    driver.get(page.as_uri())
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    urls = []
    for entry in driver.get_log("performance"):
        message: dict[str, Any] = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return errors, urls


def test_the_checks_see_errors_and_requests(browser: webdriver.Chrome, tmp_path: Path) -> None:
    """A page that breaks both rules is caught by both checks: they can fail."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><img src="http://127.0.0.1:9/x.png"><script>throw new Error("boom")'
        "</script>",
        encoding="utf-8",
    )
    errors, urls = visit(browser, bad)
    assert any("boom" in e for e in errors)
    assert "http://127.0.0.1:9/x.png" in urls


def pixels(png: bytes) -> list[bytes]:
    """The rows of an 8-bit RGB(A) PNG, unfiltered (the screenshots Chromium takes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (size,), kind = struct.unpack(">I", png[pos : pos + 4]), png[pos + 4 : pos + 8]
        body = png[pos + 8 : pos + 8 + size]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + size
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6) and header[12] == 0, "8-bit RGB(A), not interlaced"
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(
            bytes(line) if bpp == 3 else bytes(line[j] for j in range(stride) if j % 4 != 3)
        )
        prev = line
    return rows


@pytest.fixture(scope="module", params=MODELS)
def opened(
    request: pytest.FixtureRequest,
    browser: webdriver.Chrome,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[webdriver.Chrome, cnncalc.Report, list[str], list[str], Path]:
    model: str = request.param
    report = cnncalc.analyze(ROOT / "specs" / f"{model}.yaml")
    page = tmp_path_factory.mktemp(model) / "report.html"
    page.write_text(report.to_html(), encoding="utf-8")
    errors, urls = visit(browser, page)
    return browser, report, errors, urls, page


def test_no_console_errors_and_no_requests(opened: Any) -> None:
    _, _, errors, urls, page = opened
    assert errors == []
    assert urls == [page.as_uri()]


def test_one_row_per_layer_and_a_click_shows_its_arithmetic(opened: Any) -> None:
    driver, report, _, _, _ = opened
    rows = driver.find_elements(By.CSS_SELECTOR, "#layers tbody tr")
    assert [r.get_attribute("data-layer") for r in rows] == [s.name for s in report.layers]
    target = report.layers[len(report.layers) // 2]
    row = rows[len(report.layers) // 2]
    driver.execute_script('arguments[0].scrollIntoView({block: "center"})', row)
    row.click()
    assert "selected" in (row.get_attribute("class") or "")
    detail = driver.find_element(By.ID, "detail")
    assert detail.find_element(By.TAG_NAME, "h3").text == target.name
    shown = detail.find_element(By.TAG_NAME, "pre").get_attribute("textContent")
    assert shown == "\n".join(target.explain())


def test_sorting_by_macs(opened: Any) -> None:
    driver, report, _, _, _ = opened
    head = driver.find_element(By.XPATH, "//section[@id='layers']//th[text()='MACs']")
    driver.execute_script('arguments[0].scrollIntoView({block: "center"})', head)
    head.click()
    names = [
        r.get_attribute("data-layer")
        for r in driver.find_elements(By.CSS_SELECTOR, "#layers tbody tr")
    ]
    macs = {s.name: s.counts.macs for s in report.layers}
    assert [macs[n] for n in names] == sorted(macs.values())
    head.click()
    names = [
        r.get_attribute("data-layer")
        for r in driver.find_elements(By.CSS_SELECTOR, "#layers tbody tr")
    ]
    assert [macs[n] for n in names] == sorted(macs.values(), reverse=True)
    driver.find_element(By.XPATH, "//section[@id='layers']//th[text()='#']").click()
    names = [
        r.get_attribute("data-layer")
        for r in driver.find_elements(By.CSS_SELECTOR, "#layers tbody tr")
    ]
    assert names == [s.name for s in report.layers]


def test_screenshot_is_not_blank(opened: Any, tmp_path: Path) -> None:
    driver, _, _, _, _ = opened
    driver.execute_script("window.scrollTo(0, 0)")
    png = driver.get_screenshot_as_png()
    rows = pixels(png)
    background = rows[0][:3]
    colours = {row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 12)}
    inked = sum(row[i : i + 3] != background for row in rows[::4] for i in range(0, len(row), 12))
    assert len(colours) > 20 and inked > 0.01 * len(rows) // 4 * len(rows[0]) // 12


def nodes(driver: webdriver.Chrome) -> list[str]:
    """The data-layer of every node of the diagram shown (the input's box aside)."""
    shown = driver.find_element(By.CSS_SELECTOR, "#viewport .view:not([hidden])")
    found = [
        g.get_attribute("data-layer") or "" for g in shown.find_elements(By.CSS_SELECTOR, "g.node")
    ]
    assert found.count("input") == 1
    return [n for n in found if n != "input"]


def view(driver: webdriver.Chrome, label: str) -> None:
    Select(driver.find_element(By.ID, "depth")).select_by_visible_text(label)


def labels(driver: webdriver.Chrome) -> list[str]:
    return [o.text for o in Select(driver.find_element(By.ID, "depth")).options]


def test_one_node_per_layer_or_block_in_every_view(opened: Any) -> None:
    driver, report, _, _, _ = opened
    names = [s.name for s in report.layers]
    blocks: dict[str, list[str]] = {}
    for s in report.layers:
        for n in range(1, len(s.node.scope) + 1):
            blocks.setdefault(".".join(s.node.scope[:n]), []).append(s.name)
    for label in labels(driver):
        view(driver, label)
        covered: list[str] = []
        for n in nodes(driver):
            covered.extend(blocks.get(n, [n]))
        assert sorted(covered) == sorted(names), label  # each layer once, in a box or a block
    assert labels(driver)[-1].startswith("every layer")
    assert nodes(driver) == [n for n in nodes(driver) if n in names]
    assert sorted(nodes(driver)) == sorted(names)


def test_clicking_a_node_shows_its_row(opened: Any) -> None:
    driver, report, _, _, _ = opened
    view(driver, labels(driver)[-1])
    driver.execute_script('document.getElementById("viewport").scrollIntoView()')
    driver.find_element(By.ID, "zoom-fit").click()
    target = report.layers[len(report.layers) // 3]
    shown = driver.find_element(By.CSS_SELECTOR, "#viewport .view:not([hidden])")
    [node] = [
        g
        for g in shown.find_elements(By.CSS_SELECTOR, "g.node")
        if g.get_attribute("data-layer") == target.name
    ]
    ActionChains(driver).move_to_element(node.find_element(By.TAG_NAME, "rect")).click().perform()
    selected = driver.find_elements(By.CSS_SELECTOR, "#layers tbody tr.selected")
    assert [r.get_attribute("data-layer") for r in selected] == [target.name]
    box = driver.find_element(By.ID, "table-box").rect
    row = selected[0].rect  # scrolled into the table's view
    assert box["y"] <= row["y"] and row["y"] + row["height"] <= box["y"] + box["height"]
    detail = driver.find_element(By.ID, "detail")
    assert detail.find_element(By.TAG_NAME, "h3").text == target.name
    assert detail.find_element(By.TAG_NAME, "pre").get_attribute("textContent") == "\n".join(
        target.explain()
    )


def test_a_block_opens_one_level_deeper(opened: Any) -> None:
    driver, report, _, _, _ = opened
    if len(labels(driver)) == 1:
        assert not any(s.node.scope for s in report.layers) or len(report.layers) <= 100
        return  # LeNet-5 and U-Net: one view; nothing folds
    view(driver, labels(driver)[0])
    driver.execute_script('document.getElementById("viewport").scrollIntoView()')
    driver.find_element(By.ID, "zoom-fit").click()
    shown = driver.find_element(By.CSS_SELECTOR, "#viewport .view:not([hidden])")
    block = next(g for g in shown.find_elements(By.CSS_SELECTOR, "g.node.block"))
    name = block.get_attribute("data-layer")
    ActionChains(driver).double_click(block.find_element(By.TAG_NAME, "rect")).perform()
    assert (
        Select(driver.find_element(By.ID, "depth")).first_selected_option.text == labels(driver)[1]
    )
    inside = [s.name for s in report.layers if s.name.startswith(f"{name}.")]
    selected = driver.find_elements(By.CSS_SELECTOR, "#layers tbody tr.selected")
    assert [r.get_attribute("data-layer") for r in selected] == inside
    assert driver.find_element(By.CSS_SELECTOR, "#detail h3").text == name


def test_hostile_names_meet_in_the_browser(browser: webdriver.Chrome, tmp_path: Path) -> None:
    """Names that markup, scripts and XML would trip on: rows, nodes and the page's data
    still agree, and nothing runs or fails."""
    names = ["</script><script>alert(1)</script>", 'a"b\'c', "x\r\ny\tz", "&amp;", "\x00\u202e",
             "<!--", "名前\U0001f600", "{{x}}"]  # fmt: skip
    report = hostile.network(names, name="<b>net</b>", file="<i>.yaml")
    page = tmp_path / "hostile.html"
    page.write_text(report.to_html(), encoding="utf-8")
    errors, urls = visit(browser, page)
    assert errors == [] and urls == [page.as_uri()]
    rows = [
        r.get_attribute("data-layer")
        for r in browser.find_elements(By.CSS_SELECTOR, "#layers tbody tr")
    ]
    keys = browser.execute_script(
        'return Object.keys(JSON.parse(document.getElementById("cnncalc-data").textContent).layers)'
    )
    assert rows == keys == [xml_name(s.name) for s in report.layers]
    view(browser, labels(browser)[-1])
    assert sorted(nodes(browser)) == sorted(rows)
    assert browser.title == "<b>net</b> · cnncalc report"


def test_the_docs_screenshot_script(tmp_path: Path) -> None:
    """docs/pictures/report.py makes the report picture in docs/: it runs, and makes a
    picture of the size of the one there, not blank."""
    spec = importlib.util.spec_from_file_location(
        "report_picture", ROOT / "docs" / "pictures" / "report.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    made = script.main(tmp_path).read_bytes()
    kept = (ROOT / "docs" / "pictures" / script.NAME).read_bytes()
    assert made[16:24] == kept[16:24]  # IHDR: width and height
    rows = pixels(made)
    assert len({row[i : i + 3] for row in rows[::8] for i in range(0, len(row), 24)}) > 20
