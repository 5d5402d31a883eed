"""ProgbarLogger: the progress display of ``fit``, ``evaluate`` and ``predict`` (tqdm).

- ``verbose=1`` on a terminal: a live bar per epoch with the running loss, metrics and ETA;
- ``verbose=2``, or ``verbose=1`` when stdout is not a terminal (a log file, CI): one line per
  epoch, nothing per step;
- ``verbose=0``: silent.
"""

import sys
import time

from kerasette.callbacks.callback import Callback

# seconds between two refreshes of the bar's numbers: reading a value can wait for the device
_REFRESH_SECONDS = 0.2


def format_logs(logs):
    """``"accuracy: 0.8193 - loss: 0.5122"``: the logs as Keras prints them."""
    parts = []
    for key, value in logs.items():
        try:
            parts.append(f"{key}: {float(value):.4f}")
        except (TypeError, ValueError):
            continue
    return " - ".join(parts)


def format_duration(seconds):
    if seconds >= 3600:
        return f"{seconds / 3600:.0f}h"
    if seconds >= 60:
        return f"{seconds / 60:.0f}m"
    return f"{seconds:.0f}s"


def format_step_time(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class ProgbarLogger(Callback):
    """Prints progress and logs (added by ``fit``/``evaluate``/``predict`` when verbose != 0)."""

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream
        self.verbose = 1
        self.epochs = 1
        self._bar = None
        self._start = None
        self._steps_done = 0
        self._last_refresh = 0.0
        self._mode = "train"

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)

    @property
    def _out(self):
        return self.stream or sys.stdout

    def _live(self):
        isatty = getattr(self._out, "isatty", None)
        return self.verbose == 1 and bool(isatty and isatty())

    def _print(self, text):
        self._out.write(text + "\n")
        self._out.flush()

    def _open(self, total, description):
        self._start = time.perf_counter()
        self._steps_done = 0
        self._last_refresh = 0.0
        if self.verbose and self._live():
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=description, file=self._out, leave=True,
                             dynamic_ncols=True, unit="step")

    def _advance(self, logs):
        self._steps_done += 1
        if self._bar is None:
            return
        now = time.perf_counter()
        if logs and now - self._last_refresh >= _REFRESH_SECONDS:
            self._bar.set_postfix_str(format_logs(logs), refresh=False)
            self._last_refresh = now
        self._bar.update(1)

    def _close(self, logs):
        elapsed = time.perf_counter() - (self._start or time.perf_counter())
        steps = self._steps_done
        if self._bar is not None:
            if logs:
                self._bar.set_postfix_str(format_logs(logs), refresh=False)
            self._bar.close()
            self._bar = None
            return
        if self.verbose:
            per_step = format_step_time(elapsed / steps) if steps else ""
            text = " - ".join(p for p in (f"{steps}/{steps}", format_duration(elapsed), per_step,
                                           format_logs(logs or {})) if p)
            self._print(text)

    # -- fit
    def on_train_begin(self, logs=None):
        self._mode = "train"

    def on_epoch_begin(self, epoch, logs=None):
        if not self.verbose:
            return
        self._print(f"Epoch {epoch + 1}/{self.epochs}")
        self._open(self.params.get("steps"), "")

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose:
            self._advance(logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose:
            self._close(logs)

    # -- evaluate (not the validation inside fit, which only adds val_ entries to the epoch line)
    def on_test_begin(self, logs=None):
        if self._mode == "train" and self._bar is not None:
            return
        if self.verbose and self.model is not None and not getattr(self.model, "_in_fit", False):
            self._mode = "test"
            self._open(self.params.get("steps"), "")

    def on_test_batch_end(self, batch, logs=None):
        if self._mode == "test" and self.verbose:
            self._advance(logs)

    def on_test_end(self, logs=None):
        if self._mode == "test" and self.verbose:
            self._close(logs)
            self._mode = "train"

    # -- predict
    def on_predict_begin(self, logs=None):
        if self.verbose:
            self._mode = "predict"
            self._open(self.params.get("steps"), "")

    def on_predict_batch_end(self, batch, logs=None):
        if self.verbose:
            self._advance(None)

    def on_predict_end(self, logs=None):
        if self.verbose:
            self._close(None)
            self._mode = "train"
