"""A workshop in Chromium: the instructor opens a room, three students join with its code and a display name, and
the room goes through three steps of the mode-collapse lesson: the students vote (the histogram hidden until the
instructor closes the vote), each following page moves to the next step by itself, one student trains and the board
shows the run. Screenshots of a student's page and of the board go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, Server
from tests.e2e.helpers import wait_ready

pytestmark = pytest.mark.e2e
STEP = re.compile(r"Step (\d) of 5")


@pytest.fixture(scope="module")
def workshop_server(chromium_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("workshop")
    secrets = folder / "secrets.toml"
    secrets.write_text('[genlab]\ninstructor_password = "tutor"\n')
    server = Server(folder, flags=("--secrets.files", str(secrets)))
    yield server
    server.stop()


def new_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    wait_ready(page)
    return page


def on_step(page, number: int, timeout: int = 20_000) -> None:
    page.get_by_text(f"Step {number} of 5:", exact=False).first.wait_for(timeout=timeout)


def test_an_instructor_and_three_students_go_through_three_steps(browser, workshop_server):
    url = workshop_server.url
    teacher = new_page(browser, f"{url}/room")
    teacher.get_by_role("textbox", name="Instructor password").fill("tutor")
    teacher.keyboard.press("Enter")
    teacher.get_by_role("combobox", name=re.compile("Lesson")).click()
    teacher.get_by_role("option", name="Why GANs collapse on 2D, and the five fixes").click()
    teacher.get_by_role("button", name="Open the room").click()
    heading = teacher.get_by_text(re.compile(r"Room [A-HJ-NP-Z]{4} ·")).first
    heading.wait_for()
    code = re.search(r"Room ([A-HJ-NP-Z]{4})", heading.inner_text()).group(1)

    students = []
    for name in ("Ada", "Alan", "Grace"):
        page = new_page(browser, f"{url}/workshop?room={code}")
        page.get_by_role("textbox", name="Display name (optional)").fill(name)
        page.get_by_role("button", name="Join").click()
        on_step(page, 1, 60_000)
        page.get_by_text(f"you are {name}").wait_for()
        students.append(page)

    # step 1: a single-choice vote; the answers stay hidden until the instructor closes the vote
    for page in students:
        assert page.get_by_role("button", name="Play").is_disabled(), "Play waits for the prediction"
        page.get_by_role("button", name="All 8").click()
        page.get_by_text("your answer is in").wait_for()
    teacher.get_by_text("3 of 3").wait_for(timeout=30_000)
    assert not students[0].get_by_text(re.compile(r"\d of 3 right")).count()
    teacher.get_by_role("button", name="Close the vote").click()
    students[0].get_by_text("3 of 3 right (100%)").wait_for(timeout=30_000)

    # step 2: the instructor moves the room; every following page goes there by itself
    teacher.get_by_role("button", name="Next step").click()
    for page in students:
        on_step(page, 2)
        page.get_by_role("spinbutton", name="modes").fill("3")
        page.get_by_role("spinbutton", name="modes").press("Enter")
        page.get_by_role("button", name="Send").click()
        page.get_by_text("your answer is in").wait_for()
    teacher.get_by_text("3 of 3").wait_for(timeout=30_000)
    teacher.get_by_role("button", name="Close the vote").click()
    teacher.get_by_role("button", name="Next step").click()

    # step 3: the room's experiment; one student answers and trains, the board shows the run
    for page in students:
        on_step(page, 3)
    ada = students[0]
    ada.get_by_role("button", name=re.compile("No: it helps a little")).click()
    ada.get_by_role("button", name="Play").click()
    ada.get_by_role("button", name="Pause").wait_for()
    board = new_page(browser, f"{url}/board?room={code}")
    board.get_by_text(code).first.wait_for()
    board.get_by_text("The room's experiment").wait_for()
    board.wait_for_function("() => document.querySelectorAll('[data-testid=\"stImage\"] img').length >= 2",
                            timeout=60_000)  # the QR code and Ada's run
    ARTIFACTS.mkdir(exist_ok=True)
    ada.get_by_text("Step 3 of 5:").first.scroll_into_view_if_needed()  # the lesson's banner above the page
    ada.screenshot(path=str(ARTIFACTS / "workshop_student.png"), full_page=True)
    board.screenshot(path=str(ARTIFACTS / "workshop_board.png"), full_page=True)
    ada.get_by_role("button", name="Pause").click()
    for page in [teacher, board, *students]:
        page.context.close()
