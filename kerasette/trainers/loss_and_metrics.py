"""What ``compile`` was given, resolved against the model's outputs: the loss and the metrics.

Semantics follow Keras 3: a single loss applies to every output; a list gives
one loss per output; a dict maps output names to losses. Metrics likewise,
with ``"accuracy"`` resolved from the shapes of the labels and predictions
(binary, sparse categorical or categorical). With several outputs, per-output
losses are logged as ``"{output}_loss"`` and metrics as ``"{output}_{metric}"``.
"""

from kerasette import ops
from kerasette.backends import tree
from kerasette.metrics.metric import Metric


def flatten_outputs(values, output_names):
    """``values`` (a tensor, list or dict keyed by output name) as a flat list in output order."""
    if isinstance(values, dict):
        missing = [n for n in output_names if n not in values]
        if missing:
            raise ValueError(
                f"Expected values for the outputs {output_names}, but {missing} are missing "
                f"(got keys {sorted(values)})."
            )
        return [values[name] for name in output_names]
    if isinstance(values, (list, tuple)):
        return list(values)
    return [values]


def _per_output(spec, output_names, what):
    """One entry per output from a single spec, a list or a dict keyed by output name."""
    count = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(
                f"compile({what}=...) names outputs {unknown} that the model does not have; "
                f"its outputs are {output_names}."
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and what == "loss":
        if len(spec) != count:
            raise ValueError(
                f"compile(loss=[...]) has {len(spec)} entries but the model has {count} outputs "
                f"{output_names}."
            )
        return list(spec)
    return [spec] * count


class CompileLoss:
    """The total loss: the weighted sum of each output's loss."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._loss = loss
        self._loss_weights = loss_weights
        self.output_names = list(output_names or [])
        self.built = False
        self.losses = []
        self.weights = []
        self.prediction_shapes = []  # per output, the shape of the model's output

    def build(self, y_true, y_pred):
        from kerasette import losses as losses_module
        flat_pred = tree.flatten(y_pred)[0]
        self.prediction_shapes = [tuple(ops.shape(p)) for p in flat_pred]
        names = self.output_names if len(self.output_names) == len(flat_pred) else [
            f"output_{i}" for i in range(len(flat_pred))]
        if isinstance(y_pred, dict):
            names = sorted(y_pred)
        self.output_names = names
        specs = _per_output(self._loss, names, "loss")
        self.losses = [None if s is None else _as_loss(losses_module.get(s)) for s in specs]
        if self._loss_weights is None:
            self.weights = [1.0] * len(names)
        elif isinstance(self._loss_weights, dict):
            self.weights = [float(self._loss_weights.get(n, 1.0)) for n in names]
        else:
            weights = list(self._loss_weights) if isinstance(self._loss_weights, (list, tuple)) else [
                self._loss_weights] * len(names)
            if len(weights) != len(names):
                raise ValueError(
                    f"compile(loss_weights=...) has {len(weights)} entries for {len(names)} outputs."
                )
            self.weights = [float(w) for w in weights]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        """``(total, per_output)``: the weighted total and each output's unweighted loss."""
        if not self.built:
            self.build(y_true, y_pred)
        trues = flatten_outputs(y_true, self.output_names)
        preds = flatten_outputs(y_pred, self.output_names)
        if len(trues) != len(preds):
            raise ValueError(
                f"The model has {len(preds)} outputs {self.output_names} but y has {len(trues)} "
                "entries."
            )
        weights = flatten_outputs(sample_weight, self.output_names) if isinstance(
            sample_weight, (list, tuple, dict)) else [sample_weight] * len(preds)
        total = None
        per_output = []
        for loss, weight, yt, yp, sw in zip(self.losses, self.weights, trues, preds, weights):
            if loss is None:
                per_output.append(None)
                continue
            value = loss(yt, yp, sample_weight=sw)
            per_output.append(value)
            term = value if weight == 1.0 else ops.multiply(value, weight)
            total = term if total is None else ops.add(total, term)
        return total, per_output

    def check_class_labels(self, y_true, what="y"):
        """Raises ``ValueError`` when an output whose loss takes integer class ids (the sparse
        categorical cross-entropy) has a label in the host arrays ``y_true`` that is not a
        class of that output (see :func:`kerasette.losses.probabilistic.check_class_ids`)."""
        from kerasette.losses.probabilistic import check_class_ids, class_id_arguments
        trues = flatten_outputs(y_true, self.output_names)
        several = len(self.output_names) > 1
        for name, loss, labels, shape in zip(self.output_names, self.losses, trues,
                                             self.prediction_shapes):
            arguments = None if loss is None or labels is None else class_id_arguments(loss)
            if arguments is None:
                continue
            axis, ignore_class = arguments
            where = f'{what} of output "{name}"' if several else what
            check_class_ids(labels, shape[axis], ignore_class, where=where,
                            loss_name=loss.name)


def _as_loss(loss):
    """A Loss object: functions (``"mse"`` resolves to one) are wrapped as Keras does."""
    from kerasette import losses as losses_module
    if isinstance(loss, losses_module.Loss):
        return loss
    return losses_module.LossFunctionWrapper(loss, name=getattr(loss, "__name__", None))


class CompileMetrics:
    """The metrics of each output, built once the first labels and predictions are seen.

    In ``model.metrics`` it stands for all of them, as one entry named "compile_metrics"
    (Keras 3). Each metric keeps its own name ("accuracy"); ``result()`` prefixes it with
    the output's name when the model has several ("out_a_accuracy"), and names a weighted
    metric that repeats a plain one "weighted_accuracy".
    """

    name = "compile_metrics"

    def __init__(self, metrics, weighted_metrics, output_names=None):
        self._metrics = metrics
        self._weighted_metrics = weighted_metrics
        self.output_names = list(output_names or [])
        self.built = False
        self._per_output = []  # list of (metrics, weighted_metrics) per output
        self._prefixes = []  # per output: "" or "{output}_"

    @property
    def metrics(self):
        """Every metric: the plain ones of each output, then the weighted ones (Keras's order)."""
        return ([m for plain, _ in self._per_output for m in plain]
                + [m for _, weighted in self._per_output for m in weighted])

    @property
    def variables(self):
        return [v for m in self.metrics for v in m.variables]

    def build(self, y_true, y_pred):
        flat_pred = tree.flatten(y_pred)[0]
        flat_true = tree.flatten(y_true)[0]
        names = self.output_names if len(self.output_names) == len(flat_pred) else [
            f"output_{i}" for i in range(len(flat_pred))]
        if isinstance(y_pred, dict):
            names = sorted(y_pred)
        self.output_names = names
        multi = len(names) > 1
        plain = self._resolve(self._metrics, names, flat_true, flat_pred, multi, "metrics")
        weighted = self._resolve(self._weighted_metrics, names, flat_true, flat_pred, multi,
                                 "weighted_metrics")
        self._per_output = list(zip(plain, weighted))
        self._prefixes = [f"{name}_" if multi else "" for name in names]
        self.built = True

    def _resolve(self, spec, names, flat_true, flat_pred, multi, what):
        if not spec:
            return [[] for _ in names]
        if not multi:
            entries = [spec if isinstance(spec, (list, tuple)) else [spec]]
            if isinstance(spec, dict):
                entries = [list(spec.values())[0]]
        elif isinstance(spec, dict):
            entries = _per_output(spec, names, what)
        elif isinstance(spec, (list, tuple)) and len(spec) == len(names) and all(
                isinstance(s, (list, tuple)) or s is None for s in spec):
            entries = list(spec)
        elif isinstance(spec, (list, tuple)) and len(spec) == len(names):
            entries = [[s] for s in spec]
        else:
            raise ValueError(
                f"compile({what}=...): with {len(names)} outputs {names}, pass a list with one "
                f"entry per output or a dict keyed by output name; got {spec!r}."
            )
        resolved = []
        for index, entry in enumerate(entries):
            entry = [] if entry is None else (entry if isinstance(entry, (list, tuple)) else [entry])
            resolved.append([get_metric(m, flat_true[index], flat_pred[index]) for m in entry])
        return resolved

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        trues = flatten_outputs(y_true, self.output_names)
        preds = flatten_outputs(y_pred, self.output_names)
        weights = flatten_outputs(sample_weight, self.output_names) if isinstance(
            sample_weight, (list, tuple, dict)) else [sample_weight] * len(preds)
        for (plain, weighted), yt, yp, sw in zip(self._per_output, trues, preds, weights):
            for metric in plain:
                metric.update_state(yt, yp)
            for metric in weighted:
                metric.update_state(yt, yp, sample_weight=sw)

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    # a stateless train_step updates the group as any metric of model.metrics (Keras 3's
    # CompileMetrics is a Metric): the pure forms work from `variables`, `update_state` and
    # `result`, which the group has
    stateless_update_state = Metric.stateless_update_state
    stateless_result = Metric.stateless_result
    stateless_reset_state = Metric.stateless_reset_state
    _check_state_values = Metric._check_state_values

    def result(self):
        """``{name: value}``, named as Keras names them: "{output}_{metric}" when there are
        several outputs; a repeated name gets "_1", "_2"; a weighted metric whose name a plain
        one already took becomes "weighted_{metric}"."""
        results = {}
        taken = {}  # name -> how many metrics asked for it

        def unique(name):
            if name not in taken:
                taken[name] = 1
                return name
            taken[name] += 1
            return f"{name}_{taken[name] - 1}"

        for (plain, _), prefix in zip(self._per_output, self._prefixes):
            for metric in plain:
                results[unique(prefix + metric.name)] = metric.result()
        for (_, weighted), prefix in zip(self._per_output, self._prefixes):
            for metric in weighted:
                name = prefix + metric.name
                if name in taken:
                    name = prefix + "weighted_" + metric.name
                results[unique(name)] = metric.result()
        return results


def get_metric(identifier, y_true, y_pred):
    """A Metric object for ``identifier``; "accuracy"/"acc" is chosen from the shapes as Keras
    does (binary when the prediction's last dimension is 1, sparse categorical when the labels
    have a lower rank or a last dimension of 1, else categorical)."""
    from kerasette import metrics as metrics_module
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        true_shape, pred_shape = ops.shape(y_true), ops.shape(y_pred)
        is_binary = pred_shape[-1] == 1
        is_sparse = len(true_shape) < len(pred_shape) or (true_shape[-1] == 1 and pred_shape[-1] > 1)
        if is_binary:
            metric = metrics_module.BinaryAccuracy(name=identifier)
        elif is_sparse:
            metric = metrics_module.SparseCategoricalAccuracy(name=identifier)
        else:
            metric = metrics_module.CategoricalAccuracy(name=identifier)
        name = identifier
    else:
        metric = metrics_module.get(identifier)
        if not isinstance(metric, metrics_module.Metric):
            metric = metrics_module.MeanMetricWrapper(metric, name=getattr(metric, "__name__", None))
        name = identifier if isinstance(identifier, str) else metric.name
    metric.name = name
    return metric
