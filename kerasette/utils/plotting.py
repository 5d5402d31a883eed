"""``plot_history``: the loss and metric curves of ``fit`` as a PNG.

matplotlib is an optional dependency (``pip install "kerasette[examples]"``). The
figure is drawn on matplotlib's non-interactive Agg canvas, never through pyplot,
so plotting opens no window and leaves the caller's pyplot state alone.
"""

import math
import os

_INSTALL_HINT = 'pip install "kerasette[examples]"'
_COLUMNS = 3


def _import_matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError as error:
        raise ImportError(
            f"plot_history needs matplotlib, which is not installed ({error}). "
            f"Install it with {_INSTALL_HINT} (or pip install matplotlib)."
        ) from None
    return Figure, FigureCanvasAgg, MaxNLocator


def _history_dict(history):
    """``history`` (a History, or its ``.history`` dict) as ``(dict, epoch numbers)``."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            "plot_history expected a History (what fit returns) or its .history dict, "
            f"got {type(history).__name__}."
        )
    if not logs:
        raise ValueError("plot_history got an empty history: it has no epochs to plot "
                         "(was fit called with epochs=0?).")
    lengths = {key: len(values) for key, values in logs.items()}
    epochs = max(lengths.values())
    recorded = list(getattr(history, "epoch", []) or [])
    if len(recorded) == epochs:
        # History.epoch holds 0-based indices (shifted by initial_epoch); show them from 1
        numbers = [int(e) + 1 for e in recorded]
    else:
        numbers = list(range(1, epochs + 1))
    return logs, numbers


def _metric_names(logs, metrics):
    """The metrics to plot, one subplot each: every metric of the history (a ``val_`` key
    joins its training twin), or the names asked for; ``loss`` first."""
    if metrics is None:
        names = [key[4:] if key.startswith("val_") else key for key in logs]
        names = list(dict.fromkeys(names))
        if "loss" in names:
            names.remove("loss")
            names.insert(0, "loss")
        return names
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    if not names:
        raise ValueError("plot_history: metrics is empty; name at least one metric, "
                         f"from {', '.join(sorted(logs))}.")
    # "val_accuracy" asks for the accuracy subplot, which holds both curves
    names = [name[4:] if name.startswith("val_") else name for name in names]
    for name in names:
        if name not in logs and f"val_{name}" not in logs:
            raise ValueError(
                f"plot_history: the history has no metric {name!r}; "
                f"it has {', '.join(sorted(logs))}."
            )
    return list(dict.fromkeys(names))


def _epochs_of(values, epochs):
    """The epochs at which a series was recorded. A shorter series (``fit`` with
    ``validation_freq`` > 1 records ``val_`` values every k-th epoch only) is taken to be
    every k-th epoch, k = len(epochs) // len(values)."""
    if len(values) >= len(epochs):
        return epochs[:len(values)]
    every = len(epochs) // max(len(values), 1)
    return epochs[every - 1::every][:len(values)]


def history_figure(history, metrics=None):
    """Builds the figure :func:`plot_history` saves, without saving it.

    One subplot per metric, in the history's order with ``loss`` first; each has
    the training curve (label ``"train"``) and, when the history has it, the
    ``val_`` curve (label ``"validation"``) on the same axes, over the epochs.

    Args:
        history: the ``History`` that ``fit`` returns, or its ``.history`` dict
            (``{"loss": [...], "val_loss": [...], ...}``).
        metrics: names of the metrics to plot (e.g. ``["loss", "accuracy"]``;
            ``"val_loss"`` selects the same subplot as ``"loss"``), or ``None`` for
            all of them.

    Returns:
        A ``matplotlib.figure.Figure`` on an Agg canvas.

    Raises:
        ImportError: matplotlib is not installed (the message says how to get it).
        ValueError: the history is empty, or names a metric it does not have.
    """
    Figure, FigureCanvasAgg, MaxNLocator = _import_matplotlib()
    logs, epochs = _history_dict(history)
    names = _metric_names(logs, metrics)
    columns = min(len(names), _COLUMNS)
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(4.5 * columns, 3.5 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    for index, name in enumerate(names):
        axes = figure.add_subplot(rows, columns, index + 1)
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            if key in logs:
                values = [float(v) for v in logs[key]]
                axes.plot(_epochs_of(values, epochs), values, marker="o", markersize=3,
                          label=label)
        axes.set_title(name)
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 2.5
        axes.grid(True, alpha=0.3)
        axes.legend()
    return figure


def plot_history(history, path, metrics=None):
    """Saves the loss and metric curves of a training run to a PNG file.

    One subplot per metric (``loss`` first), each with the training curve and
    its ``val_`` twin on the same axes. Needs matplotlib
    (``pip install "kerasette[examples]"``); draws on the non-interactive Agg
    canvas, so it works without a display.

    Example:
        >>> history = model.fit(x, y, validation_split=0.1, epochs=5)
        >>> keras.utils.plot_history(history, "history.png")
        'history.png'

    Args:
        history: the ``History`` that ``fit`` returns, or its ``.history`` dict.
        path: where to write the PNG (the folder must exist).
        metrics: names of the metrics to plot (without ``val_``), or ``None``
            for all of them.

    Returns:
        ``path``.

    Raises:
        ImportError: matplotlib is not installed (the message says how to get it).
        ValueError: the history is empty, or names a metric it does not have.
    """
    figure = history_figure(history, metrics)
    folder = os.path.dirname(os.fspath(path))
    if folder and not os.path.isdir(folder):
        raise FileNotFoundError(f"plot_history cannot write {os.fspath(path)!r}: "
                                f"the folder {folder!r} does not exist.")
    figure.savefig(path, format="png", dpi=100)
    return path
