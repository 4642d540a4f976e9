"""Tests of the tests' image comparison (tests/image_compare.py): machine noise passes, a
changed label, a wrong frame or a different size fails."""

import matplotlib

matplotlib.use("Agg")

import base64
import io

import numpy as np
import pytest
from image_compare import (
    LEVEL,
    MAX_MEAN,
    MAX_PIXELS,
    assert_same_image,
    assert_stored_control_matches,
    decode,
    image_difference,
    parse_static_control,
    same_image,
)
from matplotlib.figure import Figure
from PIL import Image

from pgtheory.viz import dropdown, interactive_figure, render_png, slider


def png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.asarray(rgb, dtype=np.uint8), "RGB").save(out, format="png")
    return out.getvalue()


def labelled(text: str) -> bytes:
    """A frame-like image: a line plot with a boxed label, at the frames' dpi and palette."""
    fig = Figure(figsize=(7.2, 3.9))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2, 3], [0.0, 0.4, 0.2, 0.9])
    ax.text(0.98, 0.05, text, transform=ax.transAxes, ha="right", va="bottom", bbox={})
    return render_png(fig, colors=32)


@pytest.fixture(scope="module")
def frame() -> bytes:
    return labelled("random MDP, seed 0, ε = 0.00")


@pytest.fixture(scope="module")
def pixels(frame) -> np.ndarray:
    with Image.open(io.BytesIO(frame)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def test_identical_images_are_the_same(frame):
    d = image_difference(frame, frame)
    assert d.same and (d.n_differ, d.n_large, d.mean, d.box) == (0, 0, 0.0, None)
    assert_same_image(frame, bytes(frame))


def test_the_same_pixels_in_other_bytes_are_the_same(frame, pixels):
    """A palette PNG and its full-colour re-encoding: other bytes, the same image."""
    rgb = png(pixels)
    assert rgb != frame
    d = image_difference(rgb, frame)
    assert d.same and d.n_differ == 0


def test_one_grey_level_of_noise_passes(pixels):
    rng = np.random.default_rng(0)
    # Every channel of every pixel one level off (down where it is 255): mean 1.0.
    shifted = np.where(pixels == 255, pixels - 1, pixels + 1)
    d = image_difference(png(shifted), png(pixels))
    assert d.same and d.mean == pytest.approx(1.0) and d.n_large == 0, d
    # Random +-1 on about half of the pixels.
    noise = rng.integers(-1, 2, size=pixels.shape[:2])[..., None]
    d = image_difference(png(np.clip(pixels + noise, 0, 255)), png(pixels))
    assert d.same and 0 < d.mean < 1 and d.n_large == 0, d


def test_a_few_flipped_pixels_pass_as_machine_noise(pixels):
    """What a CPU change does to a palette frame: a few antialiased pixels flip to another
    palette entry (measured: up to 6 pixels by more than 16 levels, by up to 90)."""
    flipped = pixels.copy()
    ys, xs = [100, 101, 250, 300, 301, 400], [200, 200, 640, 10, 11, 900]
    flipped[ys, xs] = np.abs(flipped[ys, xs] - 90)
    flipped[50:60, 50:60] = np.clip(flipped[50:60, 50:60] + 5, 0, 255)  # small, wide
    d = image_difference(png(flipped), png(pixels))
    assert d.same and d.n_large == 6 and d.box == (10, 100, 900, 400), d


def test_the_pixel_count_decides_at_max_pixels(pixels):
    changed = pixels.copy()
    changed[10, : MAX_PIXELS + 1] = 255 - changed[10, : MAX_PIXELS + 1]
    assert (np.abs(changed - pixels)[10, : MAX_PIXELS + 1] > LEVEL).all()  # white to black
    at_limit = pixels.copy()
    at_limit[10, :MAX_PIXELS] = changed[10, :MAX_PIXELS]
    assert same_image(png(at_limit), png(pixels))
    d = image_difference(png(changed), png(pixels))
    assert not d.same and d.n_large == MAX_PIXELS + 1 and d.mean < MAX_MEAN, d
    # A difference of exactly LEVEL is not counted, one more is.
    assert image_difference(png(np.clip(pixels - LEVEL, 0, 255)), png(pixels)).n_large == 0


def test_a_thin_tint_over_the_whole_image_fails_on_the_mean(pixels):
    tinted = np.clip(pixels - 2, 0, 255)  # under LEVEL at every pixel
    d = image_difference(png(tinted), png(pixels))
    assert not d.same and d.n_large == 0 and d.mean > MAX_MEAN, d


def test_a_changed_label_fails(frame):
    """One digit of a label ("seed 0" -> "seed 1"): the closest wrong frame of the book."""
    other = labelled("random MDP, seed 1, ε = 0.00")
    d = image_difference(other, frame)
    assert not d.same and d.n_large > 3 * MAX_PIXELS and d.mean < MAX_MEAN, d
    with pytest.raises(AssertionError, match=r"^S7 frame 3 is not the expected image: \d+ pix"):
        assert_same_image(other, frame, "S7 frame 3")


def test_a_different_size_fails(pixels):
    d = image_difference(png(pixels[:-1]), png(pixels))
    assert not d.same and str(d) == "size (584, 1080) instead of (585, 1080) (height, width)"
    # The same number of pixels in another shape.
    flat = pixels.reshape(pixels.shape[1], pixels.shape[0], 3)
    assert not same_image(png(flat), png(pixels))
    with pytest.raises(AssertionError, match=r"size \(1080, 585\) instead of \(585, 1080\)"):
        assert_same_image(png(flat), png(pixels))


def test_decode_expands_palette_images(frame, pixels):
    rgba = decode(frame)
    assert rgba.shape == (585, 1080, 4) and rgba.dtype == np.int16
    np.testing.assert_array_equal(rgba[..., :3], pixels)
    assert (rgba[..., 3] == 255).all()


# -- the static control ------------------------------------------------------------------


def swatch(shade: float = 0.0, mode: str = "red") -> Figure:
    fig = Figure(figsize=(1, 1))
    rgb = {"red": [1.0, shade, 0.0], "blue": [0.0, shade, 1.0]}[mode]
    fig.patch.set_facecolor(rgb)
    return fig


@pytest.fixture(scope="module")
def widget():
    return interactive_figure(
        swatch,
        [
            slider("shade", [0.0, 0.5, 1.0], default=0.5, label="shade"),
            dropdown("mode", ["red", "blue"], default="blue", label="mode"),
        ],
        alt="A swatch",
        dpi=20,
    )


def with_frame(html: str, k: int, png_bytes: bytes) -> str:
    """``html`` with its payload's frame ``k`` replaced (and the shown image, if it is k)."""
    old = base64.b64encode(parse_static_control(html).frames[k]).decode()
    return html.replace(old, base64.b64encode(png_bytes).decode())


def test_parse_static_control_takes_the_frames_out(widget):
    page = parse_static_control(widget.to_html())
    assert page.frames == list(widget.frames)
    assert page.shown == widget.frame(**widget.defaults())
    assert page.data["frameOf"] == list(widget.frame_of)
    assert "frames" not in page.data and "base64," in page.skeleton
    assert base64.b64encode(page.shown).decode() not in page.skeleton


def test_stored_control_passes_with_re_encoded_frames(widget):
    """Frames in other bytes with the same pixels (what another machine may store) pass."""
    html = widget.to_html()
    assert_stored_control_matches(html, widget)
    default = widget.frame_of[widget.grid_index(**widget.defaults())]
    for k in (0, default):
        with Image.open(io.BytesIO(widget.frames[k])) as im:
            rgb = png(np.asarray(im.convert("RGB")))
        assert rgb != widget.frames[k]
        assert_stored_control_matches(with_frame(html, k, rgb), widget)


def test_stored_control_fails_on_a_wrong_frame(widget):
    html = with_frame(widget.to_html(), 1, widget.frames[2])
    with pytest.raises(AssertionError, match=r"frame 1: \d+ pixels differ by more than 16"):
        assert_stored_control_matches(html, widget)


def test_stored_control_fails_on_other_text_or_grid(widget):
    html = widget.to_html()
    with pytest.raises(AssertionError, match="HTML differs"):
        assert_stored_control_matches(html.replace("A swatch", "A patch"), widget)
    with pytest.raises(AssertionError, match="payload"):
        assert_stored_control_matches(html.replace('"frameOf":[0,', '"frameOf":[1,'), widget)


def test_stored_control_fails_when_the_page_shows_another_frame(widget):
    html = widget.to_html()
    shown = base64.b64encode(widget.frame(**widget.defaults())).decode()
    other = base64.b64encode(widget.frames[0]).decode()
    start = html.index(f'src="data:image/png;base64,{shown}"')
    wrong = html[:start] + html[start:].replace(shown, other, 1)
    with pytest.raises(AssertionError, match="the stored page shows another frame"):
        assert_stored_control_matches(wrong, widget)
