"""One benchmark runner for the Keras API: the same script trains on kerasette and on Keras 3.

    python benchmarks/runner_keras_api.py {kerasette,keras} WORKLOAD DATA.npz [--epochs N]

kerasette's backend comes from ``KERASETTE_BACKEND``, Keras's from ``KERAS_BACKEND``
(the parent, ``run_all.py``, sets them and the thread limits). Training is
``model.fit(shuffle=True, verbose=0)`` on a model compiled without metrics, so that no
runner does per-step metric work (test accuracy is measured after training, by every
runner alike); each epoch is timed by a callback that reads the epoch's loss first (on JAX
that waits for the asynchronous work). Prints one ``RESULT {json}`` line (see
``workloads.report``).
"""

import argparse
import importlib
import sys
import time

import numpy as np

import workloads


def build_model(keras, workload):
    """The workload's network in the Keras API of ``keras`` (kerasette or Keras 3)."""
    layers = keras.layers
    if workload.name == "W1":
        body = [layers.Flatten(), layers.Dense(512, activation="relu"),
                layers.Dense(256, activation="relu")]
    elif workload.name == "W2":
        body = [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                layers.Flatten(), layers.Dropout(0.5)]
    elif workload.name == "W3":
        body = [layers.Flatten(), layers.Dense(128, activation="relu")]
    else:
        raise ValueError(f"runner_keras_api: unknown workload {workload.name!r}; "
                         f"expected one of {sorted(workloads.WORKLOADS)}")
    return keras.Sequential([keras.Input((28, 28, 1))] + body + [layers.Dense(10)])


def epoch_timer(keras, wall_times, cpu_times):
    """A callback appending each epoch's wall and process CPU seconds to the lists."""

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = (time.perf_counter(), time.process_time())

        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])  # waits for pending asynchronous work (JAX)
            wall_times.append(time.perf_counter() - self.start[0])
            cpu_times.append(time.process_time() - self.start[1])

    return EpochTimer()


def versions(framework, keras):
    """The versions that matter for this runner's figures."""
    found = {"python": sys.version.split()[0], "numpy": np.__version__}
    if framework == "kerasette":
        found["kerasette"] = keras.__version__
        found["backend"] = keras.backend.backend()
    else:
        found["keras"] = keras.__version__
        found["backend"] = keras.backend.backend()
    if found["backend"] == "jax":
        import jax
        found["jax"] = jax.__version__
    else:
        found["blas"] = workloads.blas_description()
    return found


def run(framework, workload, data_path, epochs, seed=0):
    """Trains and measures ``workload``; returns the result dict."""
    keras = importlib.import_module("kerasette" if framework == "kerasette" else "keras")
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = workloads.load_prepared(data_path)
    model = build_model(keras, workload)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    wall, cpu = [], []
    history = model.fit(x_train, y_train, batch_size=workload.batch_size, epochs=epochs,
                        shuffle=True, verbose=0, callbacks=[epoch_timer(keras, wall, cpu)])
    result = {"epoch_seconds": wall, "epoch_cpu_seconds": cpu,
              "steps_per_epoch": workloads.steps_per_epoch(len(x_train), workload.batch_size),
              "final_loss": float(history.history["loss"][-1]),
              "versions": versions(framework, keras)}
    if workload.evaluate:
        result.update(workloads.predict_figures(
            lambda x: model.predict(x, batch_size=workloads.PREDICT_BATCH, verbose=0),
            x_test, y_test))
    result.update(threads=workloads.thread_count(), peak_rss_mb=workloads.peak_rss_mb())
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("framework", choices=("kerasette", "keras"))
    parser.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    parser.add_argument("data", help=".npz file written by workloads.prepare_data")
    parser.add_argument("--epochs", type=int, help="default: the workload's")
    args = parser.parse_args()
    workload = workloads.WORKLOADS[args.workload]
    workloads.report(run(args.framework, workload, args.data, args.epochs or workload.epochs))


if __name__ == "__main__":
    main()
