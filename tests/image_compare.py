"""PNG frames compared as images, with a tolerance for machine noise (tests' helper).

An interactive figure's frames (:func:`pgtheory.viz.render_png`) are deterministic on one
machine, but their bytes are not a result: numpy's kernels differ in the last bits between
CPUs and CPU paths, and an antialiased pixel near a colour boundary of the 32-colour palette
then flips to a neighbouring palette entry. Tests that compare a frame stored in a committed
chapter (or shown by the built page) with what the library renders on the test machine
compare decoded images here instead of bytes.

Two images are the same when they have the same size and

- at most :data:`MAX_PIXELS` pixels differ by more than :data:`LEVEL` grey levels (in their
  most different channel, 0-255), and
- the mean over all pixels of that difference is at most :data:`MAX_MEAN`.

The thresholds come from measurement, on the frames of S7-S10 (900 x 570 to 1200 x 540 and
1080 x 960 pixels):

- machine noise: the committed S9 chapter against this machine's render differs in 3 of
  its 9 frames, in 1, 1 and 153 pixels, of which 1, 1 and 3 by more than 16 levels (a
  flipped pixel differs by up to 90); S7, S8 and S10 are equal byte for byte. Rendering
  all S7-S10 frames again on other CPU paths of this machine (numpy's AVX2 kernels
  disabled, OpenBLAS forced to its Nehalem or Prescott kernel) and comparing with the
  plain render and with the committed frames: at most 406 pixels differ, at most 6 by more
  than 16 levels, mean at most 0.0015;
- a wrong frame: of all pairs of distinct frames of one figure (S7: 3240 pairs, S8: 28,
  S9: 36, S10: 153), the closest are S7's "seed 0" and "seed 1" frames at ε = 0 (all
  curves at 0 whatever the seed: one digit of the label differs), three such pairs: 156
  pixels differ, 154 or 155 by more than 16 levels, mean 0.040. Every other pair differs
  in at least 3018 pixels by more than 16 levels (S8-S10: at least 9035), with a mean of
  0.65 or more (S8-S10: 1.49 or more).

``MAX_PIXELS = 30`` lies a factor 5 above the noise and 5 below the one-digit label. The
mean is a backstop for a change spread thinly over the image (a tint that stays under
LEVEL at every pixel): ``MAX_MEAN = 1.25`` passes an image shifted by one grey level
everywhere (a palette entry that moves by one level: mean 1.0) and fails every pair of
distinct S8-S10 frames on its own.
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

#: A pixel "differs" when one of its channels differs by more than this (0-255).
LEVEL = 16
#: At most this many pixels may differ by more than LEVEL.
MAX_PIXELS = 30
#: Largest mean over the pixels of their absolute difference (largest over the channels).
MAX_MEAN = 1.25


def decode(png: bytes) -> np.ndarray:
    """The PNG as an ``(height, width, 4)`` int16 RGBA array (palette images expanded)."""
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGBA"), dtype=np.int16)


@dataclass(frozen=True)
class ImageDifference:
    """How two images differ (sizes as ``(height, width)``)."""

    size: tuple[int, int]
    expected_size: tuple[int, int]
    mean: float = 0.0
    n_differ: int = 0
    n_large: int = 0
    #: ``(x0, y0, x1, y1)`` around the pixels that differ by more than LEVEL, or None.
    box: tuple[int, int, int, int] | None = None

    @property
    def same(self) -> bool:
        return (
            self.size == self.expected_size and self.n_large <= MAX_PIXELS and self.mean <= MAX_MEAN
        )

    def __str__(self) -> str:
        if self.size != self.expected_size:
            return f"size {self.size} instead of {self.expected_size} (height, width)"
        return (
            f"{self.n_large} pixels differ by more than {LEVEL} grey levels (at most "
            f"{MAX_PIXELS} allowed) within {self.box}, {self.n_differ} differ at all, mean "
            f"absolute difference {self.mean:.5f} (at most {MAX_MEAN})"
        )


def image_difference(actual: bytes | np.ndarray, expected: bytes | np.ndarray) -> ImageDifference:
    """Compare two PNGs (bytes) or decoded images (from :func:`decode`)."""
    a = decode(actual) if isinstance(actual, bytes) else actual
    b = decode(expected) if isinstance(expected, bytes) else expected
    size, expected_size = a.shape[:2], b.shape[:2]
    if a.shape != b.shape:
        return ImageDifference(size, expected_size)
    per_pixel = np.abs(a - b).max(axis=-1)
    large = per_pixel > LEVEL
    box = None
    if large.any():
        ys, xs = np.nonzero(large)
        box = (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
    return ImageDifference(
        size,
        expected_size,
        mean=float(per_pixel.mean()),
        n_differ=int(np.count_nonzero(per_pixel)),
        n_large=int(np.count_nonzero(large)),
        box=box,
    )


def same_image(actual: bytes | np.ndarray, expected: bytes | np.ndarray) -> bool:
    """Whether the two images agree within the tolerance (see the module docstring)."""
    return image_difference(actual, expected).same


def assert_same_image(
    actual: bytes | np.ndarray, expected: bytes | np.ndarray, what: str = "the image"
) -> None:
    """Fail, saying how they differ, unless the two images agree within the tolerance."""
    d = image_difference(actual, expected)
    assert d.same, f"{what} is not the expected image: {d}"


# -- the static control of an interactive figure (pgtheory.viz.interactive) --------------

_DATA_OPEN = 'class="pgt-data">'
_IMG_SRC = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]*)"')


@dataclass(frozen=True)
class StaticControl:
    """A ``<div class="pgt-interactive">`` taken apart: the frames out of the rest."""

    #: The HTML with the shown image's data and the JSON payload taken out.
    skeleton: str
    #: The JSON payload without its frames (sizes, labels, names, alt, frameOf).
    data: dict[str, Any]
    #: The frames (PNG bytes), in the payload's order.
    frames: list[bytes]
    #: The PNG of the ``<img>`` the page shows before any script runs.
    shown: bytes


def parse_static_control(html: str) -> StaticControl:
    """Split an interactive figure's static HTML into its frames and everything else."""
    assert html.count(_DATA_OPEN) == 1, "expected one pgt-data payload"
    head, rest = html.split(_DATA_OPEN, 1)
    payload, tail = rest.split("</script>", 1)
    data = json.loads(payload)  # "<\/" in the payload is JSON's escaped "/"
    frames = [base64.b64decode(f, validate=True) for f in data.pop("frames")]
    sources = _IMG_SRC.findall(head)
    assert len(sources) == 1, f"expected one data: image before the payload, got {len(sources)}"
    skeleton = _IMG_SRC.sub('src="data:image/png;base64,"', head) + _DATA_OPEN + tail
    return StaticControl(skeleton, data, frames, base64.b64decode(sources[0], validate=True))


def assert_stored_control_matches(stored_html: str, widget: Any) -> None:
    """A chapter's stored static control is what ``widget`` (rendered here) gives.

    Everything but the images must be equal as text: controls, labels, alt text, grid note,
    script, and the payload's grid (``frameOf``) and labels. The frames are compared as
    images, one by one, with the tolerance of this module; the image shown before any
    script runs must be, byte for byte, the page's own frame for the default values.
    """
    stored, ours = parse_static_control(stored_html), parse_static_control(widget.to_html())
    assert stored.skeleton == ours.skeleton, "the static control's HTML differs"
    assert stored.data == ours.data, "the static control's payload (without frames) differs"
    assert len(stored.frames) == len(ours.frames), (len(stored.frames), len(ours.frames))
    default = stored.data["frameOf"][widget.grid_index(**widget.defaults())]
    assert stored.shown == stored.frames[default], "the stored page shows another frame"
    bad = []
    for k, (mine, theirs) in enumerate(zip(stored.frames, ours.frames, strict=True)):
        if mine != theirs:
            d = image_difference(mine, theirs)
            if not d.same:
                bad.append(f"frame {k}: {d}")
    assert bad == [], "stored frames that are not the library's render:\n" + "\n".join(bad)
