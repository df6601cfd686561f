"""What every browser test does: wait for the page, count rendered plots and images, read the step, and the
Play -> steps advance -> Pause round trip of a model page."""

import re
import warnings


def wait_ready(page):
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def wait_count(page, selector: str, at_least: int, what: str, timeout: int = 30_000):
    """Wait until `at_least` elements match: plotly and images render after the text around them."""
    try:
        page.wait_for_function("([s, n]) => document.querySelectorAll(s).length >= n", arg=[selector, at_least],
                               timeout=timeout)
    except Exception:  # noqa: BLE001 - report what was on the page instead of a bare timeout
        found = page.locator(selector).count()
        raise AssertionError(f"{what}: expected at least {at_least} '{selector}', found {found}") from None


def read_step(page) -> int:
    text = page.get_by_text(re.compile(r"step [\d,]+ ·")).first.inner_text()
    return int(re.search(r"step ([\d,]+)", text).group(1).replace(",", ""))


def wait_step_above(page, step: int, timeout: int) -> None:
    page.wait_for_function(
        f"() => {{ const m = /step ([\\d,]+) ·/.exec(document.body.innerText); "
        f"return m && parseInt(m[1].replace(/,/g, '')) > {step}; }}", timeout=timeout)


def play_see_steps_then_pause(page, url: str, heading: str, again: bool = True) -> None:
    """Open a model page, press Play, see the step count advance twice, press Pause and see it paused.

    Once in a CI run the page came back from Pause on a fresh session ("idle · step 0", a new run: the browser's
    session had been replaced while both cores were busy, a known flake of Streamlit's reconnect under load); then
    the round is played once more on a fresh page, with a warning, and must pass the second time."""
    page.goto(url)
    page.get_by_role("heading", name=heading).wait_for()
    page.get_by_text(re.compile(r"step [\d,]+ ·")).first.wait_for()
    start = read_step(page)  # a page may open on a pretrained model: not step 0
    page.get_by_role("button", name=re.compile("Play")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for()
    wait_step_above(page, start, timeout=60_000)
    first = read_step(page)
    try:  # advancing again, not just once: on a loaded machine a redraw of a heavy page may take seconds
        wait_step_above(page, first, timeout=30_000)
    except Exception:  # noqa: BLE001 - say what the page showed instead of a bare timeout
        status = page.get_by_text(re.compile(r"step [\d,]+ ·")).first.inner_text()
        raise AssertionError(f"the step count did not advance past {first} while training: {status!r}") from None
    page.get_by_role("button", name=re.compile("Pause")).click()
    try:
        page.get_by_text(re.compile(r"paused · step")).first.wait_for()
    except Exception:  # noqa: BLE001 - a replaced session shows a fresh, idle run: say so and play again once
        status = page.get_by_text(re.compile(r"step [\d,]+ ·")).first.inner_text()
        if not (again and re.search(r"idle · step 0 ", status)):
            raise AssertionError(f"Pause did not show the run paused: {status!r}") from None
        warnings.warn(f"after Pause the page showed a fresh session ({status!r}); playing the round once more")
        play_see_steps_then_pause(page, url, heading, again=False)
