"""TensorBoard: write training curves (and weight histograms) for TensorBoard to show."""

import json
import os
import time
import warnings

import numpy as np

from kerasette import ops
from kerasette.callbacks.callback import Callback
from kerasette.callbacks.learning_rate_scheduler import log_learning_rate

_MISSING_WRITER = (
    'The TensorBoard callback needs the tensorboardX package to write event files: '
    'pip install "kerasette[tensorboard]" (or pip install tensorboardX).'
)


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as error:
        raise ImportError(f"{_MISSING_WRITER} ({error})") from None
    return SummaryWriter


class TensorBoard(Callback):
    """Logs scalars (and optionally weight histograms and images) for TensorBoard (Keras 3).

    Event files go to ``{log_dir}/train`` and ``{log_dir}/validation`` under Keras 3's
    names: each epoch writes ``epoch_loss``, ``epoch_accuracy``, ... and
    ``epoch_learning_rate`` (train: the rate the epoch trained with, as History records it)
    and ``epoch_loss``, ... (validation, without the
    ``val_`` prefix) at step ``epoch``; each evaluation writes
    ``evaluation_{name}_vs_iterations`` at step ``optimizer.iterations``; with a batch
    ``update_freq``, ``batch_{name}`` at the global batch number. View them with
    ``tensorboard --logdir {log_dir}``.

    The files are written with tensorboardX (``pip install "kerasette[tensorboard]"``);
    TensorFlow is not needed.

    Args:
        log_dir: the folder of the logs (default ``"logs"``); used by this callback alone.
        histogram_freq: every this many epochs, write a histogram of every weight
            (``{weight.path}/histogram``); 0 (default) never.
        write_graph: write the model's configuration (JSON) as a text summary ``keras``.
        write_images: with ``histogram_freq``, also write 1-D and 2-D weights as images.
        write_steps_per_second: also log the training speed (``*_steps_per_second``).
        update_freq: ``"epoch"`` (default), ``"batch"`` (= 1) or an int: write the batch
            logs every that many batches.
        profile_batch: profiling is not supported: a value other than 0 warns and is
            ignored.
        embeddings_freq, embeddings_metadata: accepted for compatibility; the embedding
            projector is not written (a value other than 0 warns).

    Example:
        >>> tensorboard = kerasette.callbacks.TensorBoard(log_dir="./logs")
        >>> model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[tensorboard])
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        _summary_writer_class()  # fail now, with the install command, not in the middle of fit
        if update_freq != "epoch" and update_freq != "batch" and (
                not isinstance(update_freq, int) or isinstance(update_freq, bool)
                or update_freq < 1):
            raise ValueError(f"TensorBoard update_freq must be 'epoch', 'batch' or a positive "
                             f"integer, got {update_freq!r}.")
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        if profile_batch:
            warnings.warn(f"TensorBoard: profiling is not supported by kerasette; "
                          f"profile_batch={profile_batch!r} is ignored.", stacklevel=2)
        if embeddings_freq:
            warnings.warn("TensorBoard: the embedding projector is not supported by kerasette; "
                          f"embeddings_freq={embeddings_freq!r} is ignored.", stacklevel=2)
        self._writers = {}
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0
        self._graph_written = False

    @property
    def _train_dir(self):
        return os.path.join(self.log_dir, "train")

    @property
    def _val_dir(self):
        return os.path.join(self.log_dir, "validation")

    def _writer(self, which):
        """The train or validation writer, made on first use (no empty event files)."""
        if which not in self._writers:
            folder = self._train_dir if which == "train" else self._val_dir
            self._writers[which] = _summary_writer_class()(logdir=folder)
        return self._writers[which]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ------------------------------------------------------------------ fit
    def set_model(self, model):
        super().set_model(model)
        self._graph_written = False

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        if self.write_graph and not self._graph_written:
            self._write_model_config()

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_time = time.perf_counter()
            self._epoch_start_iterations = self._iterations()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        writer = self._writer("train")
        step = self._global_train_batch
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._batch_start_time
            writer.add_scalar("batch_steps_per_second", 1.0 / max(elapsed, 1e-12), step)
        for name, value in (logs or {}).items():
            scalar = _scalar(value)
            if scalar is not None:
                writer.add_scalar(f"batch_{name}", scalar, step)

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    # ------------------------------------------------------------------ evaluate
    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not logs:
            return
        writer = self._writer("validation")
        step = self._iterations()
        for name, value in logs.items():
            scalar = _scalar(value)
            if scalar is not None:
                writer.add_scalar(f"evaluation_{name}_vs_iterations", scalar, step)
        if not getattr(self.model, "_in_fit", False):
            writer.flush()

    # ------------------------------------------------------------------ writing
    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            return 0
        return int(ops.convert_to_numpy(optimizer.iterations))

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        if getattr(self.model, "optimizer", None) is not None and not any(
                key.startswith("learning_rate") for key in train_logs):
            # a learning-rate callback before this one logged the rate the epoch trained with;
            # Keras 3 writes the optimizer's rate now, after any reduction at this epoch's end
            log_learning_rate(self.model.optimizer, train_logs)
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start_time
            steps = self._iterations() - self._epoch_start_iterations
            train_logs["steps_per_second"] = steps / max(elapsed, 1e-12)
        for which, values in (("train", train_logs), ("validation", val_logs)):
            if not values:
                continue
            writer = self._writer(which)
            for name, value in values.items():
                scalar = _scalar(value)
                if scalar is not None:
                    writer.add_scalar(f"epoch_{name}", scalar, epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = (getattr(weight, "path", None) or weight.name).replace(":", "_")
                values = np.asarray(ops.convert_to_numpy(weight.value), dtype=np.float64)
                writer.add_histogram(f"{name}/histogram", values, epoch)
                if self.write_images:
                    image = _weight_image(values)
                    if image is not None:
                        writer.add_image(f"{name}/image", image, epoch, dataformats="HW")

    def _write_model_config(self):
        try:
            config = self.model.to_json()
        except Exception as error:  # a subclassed model without get_config: nothing to show
            warnings.warn(f"TensorBoard: the model's configuration cannot be written "
                          f"({type(error).__name__}: {error}).", stacklevel=3)
            return
        writer = self._writer("train")
        writer.add_text("keras", "```json\n" + json.dumps(json.loads(config), indent=2)
                        + "\n```", 0)
        self._graph_written = True


def _scalar(value):
    """``value`` as a Python float, or None when it is not a single number."""
    try:
        array = np.asarray(ops.convert_to_numpy(value))
    except (TypeError, ValueError):
        return None
    if array.size != 1 or array.dtype.kind not in "fiub":
        return None
    return float(array.reshape(()))


def _weight_image(values):
    """A 1-D or 2-D weight as a grey image scaled to [0, 1] (wide rather than tall), or None."""
    values = np.squeeze(values)
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2:
        return None
    if values.shape[0] > values.shape[1]:
        values = values.T
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)
