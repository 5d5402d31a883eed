"""``model.summary()``: Keras's table of layers, output shapes and parameter counts.

The table is laid out as Keras 3 lays it out (Keras renders it with ``rich``; the
same widths, wrapping and borders are computed here without that dependency), so
the text matches Keras's line for line:

- Sequential models, subclassed models and functional models that form a chain
  get three columns (Layer (type), Output Shape, Param #), 88 characters wide;
  other functional models a fourth, "Connected to", 108 characters wide;
  never wider than the terminal minus 4;
- the totals count the optimizer's variables once it is built, as Keras does.
"""

import re
import shutil

import numpy as np

_WORD = re.compile(r"\s*\S+\s*")


def readable_memory_size(num_bytes):
    """``1628200`` -> ``"1.55 MB"`` (powers of 1024, as Keras prints)."""
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    size = float(num_bytes)
    for unit in units:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


def _count(variables):
    unique = list({id(v): v for v in variables}.values())
    count = sum(int(np.prod(v.shape, dtype=np.int64)) for v in unique)
    size = sum(int(np.prod(v.shape, dtype=np.int64)) * (2 if str(v.dtype) == "bfloat16" else
                                                        np.dtype(v.dtype).itemsize)
               for v in unique)
    return count, size


# ---------------------------------------------------------------------------- the graph
def _is_chain(model, nodes):
    """Whether a functional model reads as a plain stack: one node per depth, each with at
    most one input, and no layer called twice."""
    for group in model._nodes_by_depth.values():
        if len(group) > 1 or len(group[0].input_tensors) > 1:
            return False
    for layer in model.layers:
        if sum(node.layer is layer for node in nodes) > 1:
            return False
    return True


def _format_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _output_shape(layer):
    """The output shape of the layer's last call in a graph, else the shape it would give
    for the input shape it was built with, else "?"."""
    from kerasette.backends import tree
    if layer._inbound_nodes:
        shapes = [_format_shape(t.shape) for t in layer._inbound_nodes[-1].output_tensors]
    elif layer._build_shapes is not None:
        try:
            shapes = _format_tree(layer.compute_output_shape(layer._build_shapes))
        except NotImplementedError:
            return "?"
    else:
        return "?"
    flat = tree.flatten(shapes)[0]
    return flat[0] if len(flat) == 1 else str(shapes).replace("'", "")


def _format_tree(shapes):
    """Formats a shape, or a list/tuple/dict of shapes, as Keras does."""
    if isinstance(shapes, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer))
                                                 for d in shapes):
        return _format_shape(shapes)
    if isinstance(shapes, dict):
        return {k: _format_tree(v) for k, v in shapes.items()}
    return [_format_tree(s) for s in shapes]


def _connections(layer, nodes):
    """``"dense[0][0], input_b[0][0]"``: where the layer's inputs come from, in this model."""
    model_nodes = {id(node) for node in nodes}
    parts = []
    for node in layer._inbound_nodes:
        if id(node) not in model_nodes:
            continue
        for tensor in node.input_tensors:
            source, node_index, tensor_index = tensor._keras_history
            parts.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


# ---------------------------------------------------------------------------- the table
def _column_widths(line_length, positions, padding=2):
    """Content widths of the columns; shrunk evenly, as rich shrinks a table of fixed-width
    columns, until the table with its borders fits ``line_length``."""
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) if position <= 1 else int(position)
        if width - current < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width - current)
        current = width
    padded = [w + padding for w in widths]
    room = line_length - (len(widths) + 1)
    excess = sum(padded) - room
    if excess > 0:
        remaining, ratio_left = excess, len(padded)
        for index, width in enumerate(padded):
            cut = min(width, round(remaining / ratio_left))
            padded[index] = width - cut
            remaining -= cut
            ratio_left -= 1
    return [max(0, w - padding) for w in padded]


def _wrap(text, width):
    """``text`` broken into lines of at most ``width`` characters at spaces, as rich wraps a
    table cell: a word longer than a line gets a line of its own, cut short with "…"."""
    lines, line = [], ""
    for word in _WORD.findall(text):
        if len(line) + len(word.rstrip()) <= width:
            line += word
        else:
            if line:
                lines.append(line)
            line = word
    lines.append(line)
    lines = [item.rstrip() for item in lines]
    return [item if len(item) <= width else item[:width - 1] + "…" for item in lines]


def _table(header, alignment, rows, widths):
    def border(left, fill, middle, right):
        return left + middle.join(fill * (w + 2) for w in widths) + right

    def cells(texts, bar):
        wrapped = [_wrap(text, width) for text, width in zip(texts, widths)]
        height = max(len(lines) for lines in wrapped)
        out = []
        for line_index in range(height):
            parts = []
            for lines, width, align in zip(wrapped, widths, alignment):
                text = lines[line_index] if line_index < len(lines) else ""
                if align == "right":
                    text = text.rjust(width)
                elif align == "center":
                    left = (width - len(text)) // 2
                    text = (" " * left + text).ljust(width)
                else:
                    text = text.ljust(width)
                parts.append(f" {text} ")
            out.append(bar + bar.join(parts) + bar)
        return out

    lines = [border("┏", "━", "┳", "┓")] + cells(header, "┃") + [border("┡", "━", "╇", "┩")]
    for index, row in enumerate(rows):
        lines.extend(cells(row, "│"))
        if index < len(rows) - 1:
            lines.append(border("├", "─", "┼", "┤"))
    lines.append(border("└", "─", "┴", "┘"))
    return lines


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    """Prints (or passes to ``print_fn``, line by line) the summary table of ``model``."""
    from kerasette.models.functional import Functional
    print_fn = print_fn or print
    nodes = None
    if isinstance(model, Functional):
        layers = model.operations  # op nodes get rows too, as in Keras 3
        nodes = model._nodes
        chain = _is_chain(model, nodes)
    else:
        layers = model.layers
        chain = True

    if chain:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        alignment = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    widths = _column_widths(line_length or default_length, positions)

    def fields(layer, prefix=""):
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        row = [f"{prefix}{layer.name} ({type(layer).__name__})", _output_shape(layer), params]
        if not chain:
            row.append(_connections(layer, nodes))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    def rows_of(layer, level=0):
        rows = [fields(layer, "   " * level + "└ " if level else "")]
        sublayers = getattr(layer, "layers", None) if expand_nested else None
        for sublayer in sublayers or []:
            rows.extend(rows_of(sublayer, level + 1))
        return rows

    rows = [row for layer in layers for row in rows_of(layer)]
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    optimizer_built = bool(getattr(model, "compiled", False) and optimizer is not None
                           and getattr(optimizer, "built", False))
    opt = _count(optimizer.variables) if optimizer_built else (0, 0)
    total = (trainable[0] + non_trainable[0] + opt[0], trainable[1] + non_trainable[1] + opt[1])

    lines = [f'Model: "{model.name}"'] + _table(header, alignment, rows, widths)
    lines.append(f" Total params: {total[0]:,} ({readable_memory_size(total[1])})")
    lines.append(f" Trainable params: {trainable[0]:,} ({readable_memory_size(trainable[1])})")
    lines.append(f" Non-trainable params: {non_trainable[0]:,} "
                 f"({readable_memory_size(non_trainable[1])})")
    if optimizer_built:
        lines.append(f" Optimizer params: {opt[0]:,} ({readable_memory_size(opt[1])})")
    for text in lines:
        print_fn(text)
