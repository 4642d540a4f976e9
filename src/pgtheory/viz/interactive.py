"""Interactive figures that work everywhere: live in a kernel, precomputed on a static page.

A chapter's interactive figure is a pure function ``params -> matplotlib Figure`` and a
declaration of its controls. :func:`interactive_figure` turns the two into one
displayable :class:`InteractiveFigure` with two representations:

- in a running kernel (JupyterLab, Binder, Thebe) the live ipywidgets control
  (``application/vnd.jupyter.widget-view+json``), which draws any value the reader picks;
- in the HTML book a self-contained control (``text/html``: inline CSS and JavaScript, no
  CDN, no require.js) that shows, for the values selected, the frame that the same
  function rendered when the chapter was executed. The book's ``_config.yml`` makes the
  HTML builder prefer ``text/html`` (myst-nb's ``nb_mime_priority_overrides``), while
  JupyterLab prefers the widget view.

Every frame is rendered by the function the live widget calls, through
:func:`render_png`, whose bytes are deterministic (no PNG metadata, fixed dpi and
palette), so re-executing a chapter reproduces its page exactly. Frames that come out
identical (a parameter the figure ignores for some choices) are stored once.

A chapter author writes::

    from pgtheory.viz import interactive_figure, slider, dropdown

    interactive_figure(
        my_figure,                      # pure: keyword parameters -> Figure
        [slider("eps", [0.0, 0.05, 0.1], default=0.05, label="ε"),
         dropdown("mdp", ["tightrope", "random"], default="random", label="MDP")],
        alt="Exact distance and its bounds",
    )

as the last expression of a cell, and tags the cell ``nbval-ignore-output`` (the live
widget's output is routed by the front end, which nbval does not emulate).
"""

from __future__ import annotations

import base64
import functools
import html
import inspect
import io
import itertools
import json
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeGuard

from matplotlib.figure import Figure

from pgtheory.viz.style import display_width

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_FRAMES",
    "FRAME_DPI",
    "KINDS",
    "SMALLEST_TEXT_KEY",
    "Control",
    "InteractiveFigure",
    "dropdown",
    "interactive_figure",
    "render_png",
    "slider",
    "smallest_text_pt",
    "smallest_text_px",
    "toggle",
]

#: The kinds of control (a slider over an explicit list of values, a dropdown, a toggle).
KINDS = ("slider", "dropdown", "toggle")
#: Budget of one interactive figure's frames in the page, in bytes of base64 text (what
#: the reader downloads). A chapter page holds at most this much of frames in total.
DEFAULT_MAX_BYTES = 2_000_000
#: At most this many grid points (combinations of control values) per figure.
DEFAULT_MAX_FRAMES = 400
#: Resolution of the static figures (and of the live widget's images).
DEFAULT_DPI = 150
#: The resolution of an interactive figure's frames, one image pixel per CSS pixel where
#: the figure is shown on a desktop (``DISPLAY_PX_PER_INCH`` of :mod:`pgtheory.viz.style`),
#: to keep the page light (every frame is in it).
FRAME_DPI = 110
#: Key of the PNG ``tEXt`` chunk in which :func:`render_png` records the smallest text.
SMALLEST_TEXT_KEY = "pgtheory:smallest-text-px"

_HINT = (
    "Precomputed figures: {grid}. For any other value, run this chapter live: launch it "
    "on Binder (the rocket icon at the top of the page) or open it in JupyterLab."
)


@dataclass(frozen=True)
class Control:
    """One control of an interactive figure (build it with :func:`slider`,
    :func:`dropdown` or :func:`toggle`).

    Attributes
    ----------
    name : str
        The keyword parameter of the figure function that the control sets.
    kind : str
        One of ``KINDS``: ``"slider"``, ``"dropdown"`` or ``"toggle"``.
    values : tuple
        The values of the static grid, in display order (for a toggle ``(False, True)``).
    default : object
        One of ``values``: the initial value, in the page and in the live widget.
    label : str
        Visible label (defaults to ``name``).
    value_labels : tuple
        How each value is shown in the readout or the dropdown (strings).
    live : tuple or None
        For a slider, ``(min, max, step)`` of the live ipywidgets slider, which may be
        finer and wider than the static grid; None for the other kinds.
    """

    name: str
    kind: str
    values: tuple[Any, ...]
    default: Any
    label: str
    value_labels: tuple[str, ...]
    live: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"control name must be a Python identifier, got {self.name!r}")
        if self.kind not in KINDS:
            raise ValueError(
                f"control {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}"
            )
        if len(self.values) == 0:
            raise ValueError(f"control {self.name!r}: values must not be empty, got ()")
        if len(set(self.value_labels)) != len(self.values):
            raise ValueError(
                f"control {self.name!r}: expected {len(self.values)} distinct value labels, "
                f"got {self.value_labels!r}"
            )
        if self.index(self.default) is None:
            raise ValueError(
                f"control {self.name!r}: default {self.default!r} is not among its values "
                f"{self.values!r}"
            )

    def index(self, value: Any) -> int | None:
        """Position of ``value`` in ``values`` (floats match to 1e-9), or None."""
        for k, v in enumerate(self.values):
            if _same_value(v, value):
                return k
        return None

    def grid_position(self, value: Any) -> int:
        """Position of ``value`` in ``values``; a ValueError if it is not on the grid."""
        k = self.index(value)
        if k is None:
            raise ValueError(f"control {self.name!r}: {value!r} is not on the grid {self.values!r}")
        return k

    @property
    def default_index(self) -> int:
        k = self.index(self.default)
        assert k is not None  # checked in __post_init__
        return k

    def describe(self) -> str:
        """The grid in words, for the line under the figure: "ε 0 to 0.5 in steps of 0.05"."""
        labels = self.value_labels
        if self.kind == "toggle":
            return f"{self.label} on and off"
        step = _even_step(self.values) if self.kind == "slider" else None
        if step is not None and len(self.values) > 3:
            return f"{self.label} {labels[0]} to {labels[-1]} in steps of {_fmt_number(step)}"
        if len(labels) == 1:
            return f"{self.label} {labels[0]}"
        return f"{self.label} {', '.join(labels[:-1])} or {labels[-1]}"


def _is_real(x: object) -> TypeGuard[numbers.Real]:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _same_value(a: object, b: object) -> bool:
    if _is_real(a) and _is_real(b):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return type(a) is type(b) and a == b


def _fmt_number(x: float) -> str:
    return f"{x:.10g}"


def _even_step(values: Sequence[Any]) -> float | None:
    """The common step of evenly spaced increasing reals, else None."""
    if len(values) < 2 or not all(_is_real(v) for v in values):
        return None
    gaps = [float(b) - float(a) for a, b in itertools.pairwise(values)]
    if gaps[0] <= 0 or any(not math.isclose(g, gaps[0], rel_tol=1e-6) for g in gaps):
        return None
    return round(gaps[0], 12)


def _check_label(label: object, name: str) -> str:
    if label is None:
        return name
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"control {name!r}: label must be a non-empty string, got {label!r}")
    return label


def slider(
    name: str,
    values: Sequence[float],
    *,
    default: float,
    label: str | None = None,
    fmt: str = "{:g}",
    live: tuple[float, float, float] | None = None,
) -> Control:
    """A slider over an explicit, increasing list of numbers.

    Parameters
    ----------
    name : str
        Keyword parameter of the figure function.
    values : sequence of real numbers, strictly increasing
        The static page's grid (keep it small: every combination is a frame).
    default : real
        One of ``values``.
    label : str, optional
        Visible label; ``name`` by default.
    fmt : str
        Format of the readout, e.g. ``"{:.2f}"``.
    live : (min, max, step), optional
        The live slider's range and step (default: the grid's min, max and smallest gap).
        All integers make an ``IntSlider``, otherwise a ``FloatSlider``.

    Raises
    ------
    ValueError
        Empty, non-numeric, non-finite or non-increasing values; a default not among them;
        a live range that does not contain the grid.
    """
    values = tuple(values)
    if not values:
        raise ValueError(f"control {name!r}: values must not be empty, got ()")
    for k, v in enumerate(values):
        if not _is_real(v) or not math.isfinite(float(v)):
            raise ValueError(f"control {name!r}: values[{k}] must be a finite number, got {v!r}")
    for k in range(1, len(values)):
        if not float(values[k]) > float(values[k - 1]):
            raise ValueError(
                f"control {name!r}: values must be strictly increasing, got "
                f"values[{k - 1}] = {values[k - 1]!r} and values[{k}] = {values[k]!r}"
            )
    integral = all(float(v).is_integer() for v in values)
    values = tuple(int(v) if integral else float(v) for v in values)
    if live is None:
        gaps = [b - a for a, b in itertools.pairwise(values)]
        live = (values[0], values[-1], min(gaps) if gaps else 1)
    live_min, live_max, live_step = live
    if not (live_step > 0 and live_min <= values[0] and values[-1] <= live_max):
        raise ValueError(
            f"control {name!r}: live range must contain the grid [{values[0]}, {values[-1]}] "
            f"with a positive step, got {live!r}"
        )
    return Control(
        name=name,
        kind="slider",
        values=values,
        default=default,
        label=_check_label(label, name),
        value_labels=tuple(fmt.format(v) for v in values),
        live=(live_min, live_max, live_step),
    )


def dropdown(
    name: str,
    options: Sequence[Any] | Mapping[str, Any],
    *,
    default: Any,
    label: str | None = None,
) -> Control:
    """A dropdown: ``options`` is a sequence of values (shown with ``str``) or a mapping
    ``{shown text: value}``.

    Raises
    ------
    ValueError
        No options, repeated values or texts, or a default not among the values.
    """
    if isinstance(options, Mapping):
        texts, values = tuple(str(k) for k in options), tuple(options.values())
    else:
        values = tuple(options)
        texts = tuple(str(v) for v in values)
    if not values:
        raise ValueError(f"control {name!r}: options must not be empty, got ()")
    return Control(
        name=name,
        kind="dropdown",
        values=values,
        default=default,
        label=_check_label(label, name),
        value_labels=texts,
    )


def toggle(name: str, *, default: bool = False, label: str | None = None) -> Control:
    """A toggle (checkbox) for a boolean parameter.

    Raises
    ------
    ValueError
        A default that is not a bool.
    """
    if not isinstance(default, bool):
        raise ValueError(
            f"control {name!r}: default must be True or False, got {type(default).__name__} "
            f"{default!r}"
        )
    return Control(
        name=name,
        kind="toggle",
        values=(False, True),
        default=default,
        label=_check_label(label, name),
        value_labels=("off", "on"),
    )


def render_png(
    fig: Figure, *, dpi: int = DEFAULT_DPI, colors: int | None = None, fast: bool = False
) -> bytes:
    """The figure as PNG bytes that depend on nothing but its content.

    The figure is drawn by Agg at ``dpi`` (onto white where it is transparent) and
    encoded by Pillow; with ``colors`` the image first gets an adaptive
    palette of that many colours (Pillow's fast octree, no dithering), a third of the size
    for line plots.
    The only metadata is one ``tEXt`` chunk, ``SMALLEST_TEXT_KEY``: the size in pixels of
    the PNG of the smallest text drawn (:func:`smallest_text_pt` times ``dpi / 72``, two
    decimals; ``none`` without text), which :func:`smallest_text_px` reads back. A page
    shows the image ``w`` CSS px wide: its smallest text is then
    ``smallest_text_px * w / (PNG width)`` CSS px.
    The same figure always gives the same bytes (with the same matplotlib and Pillow).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : int >= 1
    colors : int in [2, 256], optional
    fast : bool
        Light zlib compression (level 1 instead of 8): about five times faster to encode,
        a larger file. For images that are shown once, as the live widget's.

    Raises
    ------
    ValueError
        On a non-Figure, a bad ``dpi`` or ``colors``.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image  # matplotlib depends on Pillow
    from PIL.PngImagePlugin import PngInfo

    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Integral) or dpi < 1:
        raise ValueError(f"dpi must be an integer >= 1, got {dpi!r}")
    if colors is not None and (
        isinstance(colors, bool)
        or not isinstance(colors, numbers.Integral)
        or not 2 <= colors <= 256
    ):
        raise ValueError(f"colors must be None or an integer in [2, 256], got {colors!r}")
    old_canvas, old_dpi = fig.canvas, fig.dpi
    if isinstance(old_canvas, FigureCanvasAgg):
        canvas = old_canvas
    else:
        # A bare Figure: draw it on one Agg canvas shared by all calls. Its renderer (and
        # the renderer's text-metric and mathtext caches) is then reused from frame to
        # frame, which makes a frame about a third faster; the bytes are the same.
        canvas = _shared_canvas()
        canvas.figure = fig
        fig.set_canvas(canvas)
    fig.dpi = dpi
    try:
        canvas.draw()
        smallest = smallest_text_pt(fig, renderer=canvas.get_renderer())
        buffer = canvas.buffer_rgba()
        rgba = Image.frombuffer(
            "RGBA", (buffer.shape[1], buffer.shape[0]), buffer, "raw", "RGBA", 0, 1
        )
        opaque = bool(np.asarray(buffer)[..., 3].min() == 255)
        if opaque:  # the usual white figure: drop alpha
            image = rgba.convert("RGB")
        else:  # composite a transparent figure onto white
            image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
            image = image.convert("RGB")
    finally:
        fig.dpi = old_dpi
        if canvas is not old_canvas:
            fig.set_canvas(old_canvas)
            canvas.figure = None
    if colors is not None:
        image = image.quantize(
            colors=int(colors), method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
    info = PngInfo()
    info.add_text(SMALLEST_TEXT_KEY, "none" if smallest is None else f"{smallest * dpi / 72:.2f}")
    out = io.BytesIO()
    # zlib level 8: within 5% of the smallest file (level 9) at half the time.
    image.save(out, format="png", compress_level=1 if fast else 8, pnginfo=info)
    return out.getvalue()


def smallest_text_pt(fig: Figure, *, renderer: Any = None) -> float | None:
    """Font size (points) of the smallest text that ``fig`` draws, or None if it has none.

    Every visible :class:`matplotlib.text.Text` of the figure with non-blank text whose
    drawn box overlaps the figure counts: tick labels, legend entries and titles, axis
    labels, titles, annotations. The size is matplotlib's own (``Text.get_fontsize``);
    sub- and superscripts of mathtext are drawn smaller than that.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure that has been drawn (its tick labels are those of the last draw).
    renderer : optional
        The renderer of the last draw (``canvas.get_renderer()``); by default an Agg
        renderer at the figure's size and dpi.

    Raises
    ------
    ValueError
        On a non-Figure.
    """
    from matplotlib.text import Text

    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if renderer is None:
        from matplotlib.backends.backend_agg import RendererAgg

        renderer = RendererAgg(int(fig.bbox.width), int(fig.bbox.height), fig.dpi)
    width, height = fig.bbox.width, fig.bbox.height
    sizes = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x1 < 0 or box.y1 < 0 or box.x0 > width or box.y0 > height:
            continue
        sizes.append(float(text.get_fontsize()))
    return min(sizes) if sizes else None


def smallest_text_px(png: bytes) -> float | None:
    """The smallest text of a :func:`render_png` image, in pixels of the image.

    Returns None for an image whose figure has no text.

    Raises
    ------
    ValueError
        If ``png`` is not a PNG or has no ``SMALLEST_TEXT_KEY`` chunk (not made by
        :func:`render_png`).
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            text = dict(getattr(image, "text", {}))
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"png is not a PNG image: {exc}") from exc
    if SMALLEST_TEXT_KEY not in text:
        raise ValueError(
            f"the PNG has no {SMALLEST_TEXT_KEY!r} text chunk (not made by render_png); "
            f"its text chunks are {sorted(text)}"
        )
    value = text[SMALLEST_TEXT_KEY]
    return None if value == "none" else float(value)


@functools.cache
def _shared_canvas() -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return FigureCanvasAgg(Figure())


def _accepted_parameters(func: Callable[..., Any]) -> tuple[set[str], bool]:
    """Keyword parameters ``func`` accepts, and whether it takes ``**kwargs``."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"func must be a callable with a signature, got {func!r}") from exc
    names = {
        p.name
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    return names, var_kw


class InteractiveFigure:
    """A figure with controls; see the module docstring. Build it with
    :func:`interactive_figure`.

    Displaying it (the last expression of a cell) shows the live widget in a kernel and
    the precomputed control in the HTML book. Attributes give what the page carries.

    Attributes
    ----------
    func : object
        The figure function (a callable).
    controls : tuple
        The :class:`Control` objects.
    fixed : dict
        Keyword arguments passed to every call of ``func``.
    grid_size : int
        Number of combinations of control values.
    frames : tuple
        The distinct PNG frames (bytes), in order of first appearance in the grid.
    frame_of : tuple
        ``frame_of[k]`` (an int) is the frame of grid point ``k`` (row-major over ``controls``).
    n_bytes : int
        Bytes of base64 frame data in the page (each distinct frame once).
    grid_note : str
        The line under the figure that states the grid and how to go live.
    ignores : object
        A callable or None: ``params -> names of controls the figure does not depend on at
        these values``, as given to :func:`interactive_figure`; the live widget disables
        those controls.
    """

    def __init__(
        self,
        func: Callable[..., Figure],
        controls: tuple[Control, ...],
        fixed: dict[str, Any],
        frames: tuple[bytes, ...],
        frame_of: tuple[int, ...],
        *,
        alt: str,
        dpi: int,
        colors: int | None,
        ignores: Callable[[dict[str, Any]], Iterable[str]] | None = None,
    ) -> None:
        self.func = func
        self.ignores = ignores
        self.controls = controls
        self.fixed = fixed
        self.frames = frames
        self.frame_of = frame_of
        self.alt = alt
        self.dpi = dpi
        self.colors = colors
        self.grid_size = len(frame_of)
        self.n_bytes = sum(len(_b64(f)) for f in frames)
        grid = "; ".join(c.describe() for c in controls)
        self.grid_note = _HINT.format(grid=grid)

    # -- the grid ---------------------------------------------------------------------
    def grid_index(self, **params: Any) -> int:
        """Row-major grid position of a full set of control values.

        Raises
        ------
        ValueError
            A missing or unknown control, or a value off the grid.
        """
        names = [c.name for c in self.controls]
        unknown = sorted(set(params) - set(names))
        missing = [n for n in names if n not in params]
        if unknown or missing:
            raise ValueError(
                f"expected values for exactly the controls {names}, got unknown {unknown} "
                f"and missing {missing}"
            )
        k = 0
        for c in self.controls:
            k = k * len(c.values) + c.grid_position(params[c.name])
        return k

    def frame(self, **params: Any) -> bytes:
        """The stored PNG frame for control values on the grid."""
        return self.frames[self.frame_of[self.grid_index(**params)]]

    def alt_text(self, **params: Any) -> str:
        """The frame's alt text: ``alt`` followed by the control values."""
        parts = []
        for c in self.controls:
            parts.append(f"{c.label} = {c.value_labels[c.grid_position(params[c.name])]}")
        return f"{self.alt} ({', '.join(parts)})"

    def defaults(self) -> dict[str, Any]:
        return {c.name: c.default for c in self.controls}

    def inert_controls(self, **params: Any) -> tuple[str, ...]:
        """The controls that change nothing at these (grid) values: every value of such a
        control, the others held, shows the same frame. The static page disables them
        (a control that does nothing in the state shown must not invite a click).

        Raises
        ------
        ValueError
            As :meth:`grid_index`.
        """
        here = self.frame_of[self.grid_index(**params)]
        inert = []
        for c in self.controls:
            others = [self.frame_of[self.grid_index(**(params | {c.name: v}))] for v in c.values]
            if all(f == here for f in others):
                inert.append(c.name)
        return tuple(inert)

    def render(self, **params: Any) -> bytes:
        """Render ``func`` at any parameter values (on the grid or not), as the live
        widget does: the same drawing as a frame, in full colour and lightly compressed
        (the image is shown once, so encoding speed matters more than size)."""
        fig = self.func(**self.fixed, **params)
        try:
            return render_png(fig, dpi=self.dpi, colors=None, fast=True)
        finally:
            _release(fig)

    # -- representations --------------------------------------------------------------
    def to_html(self) -> str:
        """The static page's control: self-contained HTML with inline CSS and JS."""
        return _static_html(self)

    def live_widget(self) -> Any:
        """The live ipywidgets control: a ``VBox`` of the controls and an ``Output``."""
        return _live_widget(self)

    def summary(self) -> str:
        names = " × ".join(f"{c.name} ({len(c.values)})" for c in self.controls)
        return (
            f"Interactive figure of {_func_name(self.func)}: {names} = {self.grid_size} grid "
            f"points, {len(self.frames)} distinct frames, {self.n_bytes / 1e6:.2f} MB"
        )

    def __repr__(self) -> str:
        return f"<{self.summary()}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = {"text/plain": self.summary(), "text/html": self.to_html()}
        try:
            live = self.live_widget()
        except ImportError:  # no ipywidgets: the static control is all there is
            return bundle
        view = live._repr_mimebundle_()
        if view and "application/vnd.jupyter.widget-view+json" in view:
            bundle["application/vnd.jupyter.widget-view+json"] = view[
                "application/vnd.jupyter.widget-view+json"
            ]
        return bundle


def _func_name(func: Callable[..., Any]) -> str:
    qualname = getattr(func, "__qualname__", None)
    if qualname:
        return qualname
    return getattr(func, "__name__", repr(func))


def _release(fig: Figure) -> None:
    """Close a figure if pyplot manages it (for a bare Figure this is a no-op)."""
    import matplotlib.pyplot as plt

    plt.close(fig)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _grid(controls: Sequence[Control]) -> Iterator[dict[str, Any]]:
    for combo in itertools.product(*(c.values for c in controls)):
        yield {c.name: v for c, v in zip(controls, combo, strict=True)}


def interactive_figure(
    func: Callable[..., Figure],
    controls: Sequence[Control],
    *,
    fixed: Mapping[str, Any] | None = None,
    alt: str = "Interactive figure",
    dpi: int = FRAME_DPI,
    colors: int | None = 16,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_frames: int = DEFAULT_MAX_FRAMES,
    ignores: Callable[[dict[str, Any]], Iterable[str]] | None = None,
) -> InteractiveFigure:
    """Render ``func`` over the grid of its controls; return the displayable figure.

    Parameters
    ----------
    func : callable
        Pure: keyword parameters -> :class:`matplotlib.figure.Figure` (preferably a bare
        ``Figure``, not registered with pyplot). It is called once per grid point here, and
        once per change of a control in the live widget.
    controls : sequence of Control
        From :func:`slider`, :func:`dropdown`, :func:`toggle`; distinct names, each a
        keyword parameter of ``func``.
    fixed : mapping, optional
        Further keyword arguments for every call.
    alt : str
        Alt text of the figure; each frame's alt text adds the control values.
    dpi : int
        Resolution of every frame (and of the live images).
    colors : int or None
        Palette size of the frames (see :func:`render_png`); None keeps full colour.
    max_bytes : int
        Budget for the page: the base64 text of the distinct frames.
    max_frames : int
        Most grid points allowed (checked before anything is rendered).
    ignores : callable, optional
        ``params -> names of controls the figure does not depend on at these values``
        (e.g. a seed that only matters for random MDPs). Grid points that differ only in
        ignored controls share one frame, rendered once. Frames are deduplicated by their
        bytes in any case; this only saves rendering time.

    Returns
    -------
    InteractiveFigure

    Raises
    ------
    ValueError
        No controls; a control that is not a :class:`Control`; duplicate names; a name
        (or fixed argument) that ``func`` does not take; a grid larger than ``max_frames``
        or frames exceeding ``max_bytes`` (the message names each control and its number of
        values); a grid point where ``func`` raises or returns no Figure (the message
        names the parameters).
    """
    controls = tuple(controls)
    fixed = dict(fixed or {})
    if not controls:
        raise ValueError("controls must hold at least one control, got none")
    for k, c in enumerate(controls):
        if not isinstance(c, Control):
            raise ValueError(
                f"controls[{k}] must be a Control (from slider, dropdown or toggle), got "
                f"{type(c).__name__} {c!r}"
            )
    seen: set[str] = set()
    for c in controls:
        if c.name in seen:
            raise ValueError(f"control {c.name!r} is declared twice")
        seen.add(c.name)
    accepted, var_kw = _accepted_parameters(func)
    for name in [c.name for c in controls] + list(fixed):
        if not var_kw and name not in accepted:
            raise ValueError(
                f"control {name!r}: {_func_name(func)} takes no parameter {name!r} "
                f"(it takes {sorted(accepted)})"
            )
    clash = sorted(seen & set(fixed))
    if clash:
        raise ValueError(f"controls {clash} are also given in fixed")
    for name, value, low in (("max_bytes", max_bytes, 1), ("max_frames", max_frames, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    sizes = ", ".join(f"{c.name!r} {len(c.values)} values" for c in controls)
    grid_size = math.prod(len(c.values) for c in controls)
    if grid_size > max_frames:
        raise ValueError(
            f"the grid has {grid_size} points ({sizes}), more than max_frames={max_frames}: "
            f"use fewer values"
        )

    frames: list[bytes] = []
    index: dict[bytes, int] = {}
    frame_of: list[int] = []
    n_bytes = 0
    rendered: dict[tuple[Any, ...], int] = {}
    for k, params in enumerate(_grid(controls)):
        skip = set(ignores(params)) if ignores is not None else set()
        unknown = sorted(skip - seen)
        if unknown:
            raise ValueError(f"ignores({params}) names no control: {unknown}")
        key = tuple((name, repr(v)) for name, v in params.items() if name not in skip)
        if key in rendered:
            frame_of.append(rendered[key])
            continue
        try:
            fig = func(**fixed, **params)
        except Exception as exc:
            raise ValueError(
                f"{_func_name(func)} raised {type(exc).__name__} at grid point {k} of "
                f"{grid_size}, {params}: {exc}"
            ) from exc
        if not isinstance(fig, Figure):
            raise ValueError(
                f"{_func_name(func)} returned {type(fig).__name__} at {params}, expected a "
                f"matplotlib Figure"
            )
        try:
            png = render_png(fig, dpi=dpi, colors=colors)
        finally:
            _release(fig)
        if png not in index:
            index[png] = len(frames)
            frames.append(png)
            n_bytes += len(_b64(png))
            if n_bytes > max_bytes:
                raise ValueError(
                    f"the frames exceed the page budget max_bytes={max_bytes}: {n_bytes} bytes "
                    f"after {k + 1} of {grid_size} grid points ({sizes}); use fewer values, "
                    f"a lower dpi or fewer colors"
                )
        frame_of.append(index[png])
        rendered[key] = index[png]
    return InteractiveFigure(
        func,
        controls,
        fixed,
        tuple(frames),
        tuple(frame_of),
        alt=alt,
        dpi=dpi,
        colors=colors,
        ignores=ignores,
    )


#: Tooltip of a disabled control (the static page's script sets the same text).
_INERT_TITLE = ' title="no effect for the values chosen"'


@functools.cache
def _asset(name: str) -> str:
    return resources.files("pgtheory.viz").joinpath("_static", name).read_text(encoding="utf-8")


def _static_html(fig: InteractiveFigure) -> str:
    """``<div class="pgt-interactive">``: labelled native controls, the default frame as
    an ``<img>`` (what a reader without JavaScript sees), the grid note, the frames as
    JSON and the script that switches them."""
    e = html.escape
    defaults = fig.defaults()
    inert = set(fig.inert_controls(**defaults))
    rows = []
    for c in fig.controls:
        k = c.default_index
        off = " disabled" if c.name in inert else ""
        if c.kind == "slider":
            field = (
                f'<input type="range" min="0" max="{len(c.values) - 1}" step="1" value="{k}" '
                f'aria-valuetext="{e(c.value_labels[k])}"{off}>'
                f'<output class="pgt-readout">{e(c.value_labels[k])}</output>'
            )
        elif c.kind == "dropdown":
            opts = "".join(
                f'<option value="{i}"{" selected" if i == k else ""}>{e(t)}</option>'
                for i, t in enumerate(c.value_labels)
            )
            field = f"<select{off}>{opts}</select>"
        else:
            field = (
                f'<input type="checkbox"{" checked" if c.values[k] else ""}{off}>'
                f'<output class="pgt-readout">{e(c.value_labels[k])}</output>'
            )
        rows.append(
            f'<label class="pgt-control pgt-{c.kind}" data-control="{e(c.name)}"'
            f"{_INERT_TITLE if c.name in inert else ''}>"
            f'<span class="pgt-label">{e(c.label)}</span>{field}</label>'
        )
    data = {
        "sizes": [len(c.values) for c in fig.controls],
        "labels": [list(c.value_labels) for c in fig.controls],
        "names": [c.label for c in fig.controls],
        "alt": fig.alt,
        "frames": [_b64(f) for f in fig.frames],
        "frameOf": list(fig.frame_of),
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    default_png = fig.frame(**defaults)
    width, height = _png_size(default_png)
    shown = display_width(width / fig.dpi)
    return (
        '<div class="pgt-interactive">'
        f"<style>{_asset('interactive.css')}</style>"
        f'<div class="pgt-controls" role="group" aria-label="{e(fig.alt)}: controls">'
        f"{''.join(rows)}</div>"
        f'<img class="pgt-frame" alt="{e(fig.alt_text(**defaults))}" '
        f'width="{shown}" height="{round(shown * height / width)}" '
        f'src="data:image/png;base64,{_b64(default_png)}">'
        f'<p class="pgt-note">{e(fig.grid_note)}</p>'
        f'<script type="application/json" class="pgt-data">{payload}</script>'
        f"<script>{_asset('interactive.js')}</script>"
        "</div>"
    )


def _png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _live_widget(fig: InteractiveFigure) -> Any:
    import ipywidgets as widgets
    from IPython.display import Image, display

    style = {"description_width": "initial"}
    ctrls: dict[str, Any] = {}
    for c in fig.controls:
        if c.kind == "slider":
            lo, hi, step = c.live  # type: ignore[misc]
            if all(isinstance(v, int) for v in (*c.values, lo, hi, step)):
                w = widgets.IntSlider(
                    value=c.default, min=lo, max=hi, step=step, description=c.label, style=style
                )
            else:
                decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
                w = widgets.FloatSlider(
                    value=c.default,
                    min=lo,
                    max=hi,
                    step=step,
                    description=c.label,
                    readout_format=f".{decimals}f",
                    style=style,
                )
        elif c.kind == "dropdown":
            w = widgets.Dropdown(
                options=list(zip(c.value_labels, c.values, strict=True)),
                value=c.default,
                description=c.label,
                style=style,
            )
        else:
            w = widgets.Checkbox(value=c.default, description=c.label, style=style)
        ctrls[c.name] = w

    def draw(**params: Any) -> None:
        if fig.ignores is not None:  # disable what changes nothing for these values
            ignored = set(fig.ignores(params))
            for name, w in ctrls.items():
                w.disabled = name in ignored
        png = fig.render(**params)
        shown = display_width(_png_size(png)[0] / fig.dpi)
        display(Image(data=png, format="png", width=shown))

    out = widgets.interactive_output(draw, ctrls)
    box = widgets.HBox(list(ctrls.values()), layout=widgets.Layout(flex_flow="row wrap"))
    return widgets.VBox([box, out])
