"""Your own data in the browser: upload a zip of class folders and train on it; draw a digit and see what the
network makes of it."""

import io
import re
import zipfile

import pytest
from PIL import Image

from tests.e2e.helpers import read_step, wait_count, wait_ready

pytestmark = pytest.mark.e2e


def pets_zip(path, per_class: int = 6) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for k, name in enumerate(("cats", "dogs")):
            for i in range(per_class):
                picture = io.BytesIO()
                Image.new("L", (24, 24), 40 * k + 15 * i).save(picture, format="PNG")
                z.writestr(f"{name}/{i}.png", picture.getvalue())


def test_an_uploaded_zip_trains_in_the_browser(page, app_url, tmp_path):
    pets_zip(tmp_path / "pets.zip")
    page.goto(f"{app_url}/vae?vae_dataset=upload&width=4&batch_size=4")
    page.get_by_role("heading", name="Autoencoders and VAEs").wait_for()
    wait_ready(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(tmp_path / "pets.zip"))
    page.get_by_text(re.compile(r"12 pictures, 2 classes: cats 6, dogs 6")).wait_for(timeout=60_000)
    wait_ready(page)
    page.get_by_text(re.compile(r"step 0 ·")).first.wait_for()
    page.get_by_role("button", name=re.compile("Play")).click()
    page.wait_for_function("() => /step [1-9][\\d,]* ·/.test(document.body.innerText)", timeout=60_000)
    first = read_step(page)
    page.wait_for_timeout(2000)
    assert read_step(page) > first, "training on the uploaded pictures advances"
    page.get_by_role("button", name=re.compile("Pause")).click()
    page.get_by_text(re.compile(r"paused · step")).first.wait_for()


def test_a_digit_drawn_on_the_canvas_is_classified(page, app_url):
    page.goto(f"{app_url}/classifier?width=4&batch_size=16")
    page.get_by_role("heading", name="Classifier tricks").wait_for()
    wait_ready(page)
    page.locator("summary").filter(has_text="Draw a digit").click()
    page.get_by_text("Draw a digit on the black square").wait_for(timeout=30_000)
    canvas = page.locator("canvas").last
    canvas.wait_for()
    box = canvas.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, 11):  # a vertical stroke: a "1"
        page.mouse.move(x0, y0 + box["height"] * 0.06 * k)
    page.mouse.up()
    page.get_by_text(re.compile("What the model receives")).wait_for(timeout=30_000)
    page.get_by_text(re.compile(r"The network says: \w+ \(\d+%\)")).first.wait_for(timeout=30_000)
    wait_count(page, "img", 1, "the reduced drawing")
