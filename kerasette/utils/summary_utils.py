"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""

import numpy as np


def readable_memory_size(num_bytes):
    """``1628200`` -> ``"1.55 MB"`` (powers of 1024, as Keras prints)."""
    units = ["B", "KB", "MB", "GB", "TB"]
    size = float(num_bytes)
    unit = 0
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    return f"{size:.2f} {units[unit]}"


def _count(variables):
    count = sum(int(np.prod(v.shape, dtype=np.int64)) for v in variables)
    size = sum(int(np.prod(v.shape, dtype=np.int64)) * np.dtype(v.dtype).itemsize
               if v.dtype != "bfloat16" else int(np.prod(v.shape)) * 2 for v in variables)
    return count, size


def _output_shape(model, layer):
    nodes = getattr(model, "_nodes", None)
    functional = getattr(model, "_functional", None)
    if nodes is None and functional is not None:
        nodes = functional._nodes
    if nodes:
        for node in nodes:
            if node.layer is layer:
                shapes = [t.shape for t in node.output_tensors]
                return str(shapes[0]) if len(shapes) == 1 else str(shapes)
    return "?"


def _layers_for_summary(model):
    functional = getattr(model, "_functional", None)
    if functional is not None:
        return [l for l in functional.layers if not type(l).__name__ == "InputLayer"] \
            if type(model).__name__ == "Sequential" else functional.layers
    return model.layers


def print_summary(model, line_length=None, print_fn=None, show_trainable=False):
    """Prints (or passes to ``print_fn``, line by line) the summary table of ``model``."""
    print_fn = print_fn or print
    widths = [33, 24, 15]
    if line_length and line_length > sum(widths) + 4:
        widths[0] += line_length - (sum(widths) + 4)
    header = ["Layer (type)", "Output Shape", "Param #"]
    rows = []
    for layer in _layers_for_summary(model):
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        rows.append([f"{layer.name} ({type(layer).__name__})", _output_shape(model, layer), params])

    def line(left, fill, mid, right):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row(cells, bar):
        texts = [f" {cells[0]:<{widths[0]}} ", f" {cells[1]:<{widths[1]}} ",
                 f" {cells[2]:>{widths[2]}} "]
        return bar + bar.join(texts) + bar

    lines = [f'Model: "{model.name}"', line("┏", "━", "┳", "┓"), row(header, "┃"),
             line("┡", "━", "╇", "┩")]
    for index, cells in enumerate(rows):
        lines.append(row(cells, "│"))
        if index < len(rows) - 1:
            lines.append(line("├", "─", "┼", "┤"))
    lines.append(line("└", "─", "┴", "┘"))
    total = _count(model.weights)
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    lines.append(f" Total params: {total[0]:,} ({readable_memory_size(total[1])})")
    lines.append(f" Trainable params: {trainable[0]:,} ({readable_memory_size(trainable[1])})")
    lines.append(f" Non-trainable params: {non_trainable[0]:,} "
                 f"({readable_memory_size(non_trainable[1])})")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        opt = _count(optimizer.variables)
        lines.append(f" Optimizer params: {opt[0]:,} ({readable_memory_size(opt[1])})")
    for text in lines:
        print_fn(text)
