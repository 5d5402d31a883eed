"""Connectionist temporal classification (CTC): ``ctc_loss`` and ``ctc_decode``, written once
with the contract's ops of a backend ``B``.

The loss is the forward algorithm of Graves et al. (2006) in log space, over the label
sequence with a blank (``mask_index``) before, between and after the labels: ``2 * S + 1``
states for ``S`` labels. Each time step is a handful of ops on ``(batch, states)`` arrays,
run by ``B.scan``: on JAX a ``lax.scan`` (compiled once), on the engine one recorded step per
frame, so its gradient (and second order) is the engine's own differentiation of those ops:
no separate backward recursion to get wrong.

An impossible state has log-probability :data:`LOG_ZERO`, a large finite negative number
rather than ``-inf``: ``-inf - -inf`` would put NaNs into the gradients of states no
alignment reaches (the choice Keras 3's JAX backend and optax make too). A sequence no
alignment can produce (more labels, counting repeats, than frames) therefore gets a loss of
about ``-LOG_ZERO`` instead of ``inf``.
"""

import numpy as np

#: the log-probability of an impossible state (see the module docstring)
LOG_ZERO = -1e5


def ctc_loss(B, target, output, target_length, output_length, mask_index=0):
    target = B.cast(B.convert_to_tensor(target), "int32")
    output = B.convert_to_tensor(output)
    if B.ndim(target) != 2 or B.ndim(output) != 3:
        raise ValueError(
            f"ctc_loss expects target of shape (batch, max_label_length) and output (logits) of "
            f"shape (batch, max_time, classes); got target {B.shape(target)} and output "
            f"{B.shape(output)}.")
    batch, time, _ = B.shape(output)
    labels = B.shape(target)[1]
    target_length = B.cast(B.convert_to_tensor(target_length), "int32")
    output_length = B.cast(B.convert_to_tensor(output_length), "int32")
    log_probs = B.log_softmax(output, axis=-1)
    dtype = B.dtype(log_probs)

    # blank, l1, blank, l2, ..., lS, blank
    blanks = B.full((batch, labels), mask_index, dtype="int32")
    extended = B.reshape(B.stack([blanks, target], axis=2), (batch, 2 * labels))
    extended = B.concatenate([extended, B.full((batch, 1), mask_index, dtype="int32")], axis=1)
    states = 2 * labels + 1
    emissions = B.take_along_axis(
        log_probs, B.broadcast_to(B.expand_dims(extended, 1), (batch, time, states)), axis=2)

    # a state may be reached from two states back when it is a label that differs from the
    # label before it (between two equal labels the blank cannot be skipped)
    two_back = B.concatenate([B.full((batch, 2), -1, dtype="int32"), extended[:, :-2]], axis=1)
    can_skip = B.logical_and(B.not_equal(extended, mask_index), B.not_equal(extended, two_back))
    skip_penalty = B.where(can_skip, B.zeros((batch, states), dtype=dtype),
                           B.full((batch, states), LOG_ZERO, dtype=dtype))
    log_zero = B.full((batch, 2), LOG_ZERO, dtype=dtype)

    # time 0: the first blank or the first label
    first = B.less(B.arange(states), 2)
    alpha = B.where(B.expand_dims(first, 0), emissions[:, 0, :],
                    B.full((batch, states), LOG_ZERO, dtype=dtype))

    def step(alpha, inputs):
        emission, running = inputs
        stay = alpha
        advance = B.concatenate([log_zero[:, :1], alpha[:, :-1]], axis=1)
        skip = B.add(B.concatenate([log_zero, alpha[:, :-2]], axis=1), skip_penalty)
        new = B.add(B.logsumexp(B.stack([stay, advance, skip]), axis=0), emission)
        # past a sequence's own length its probabilities stay as they were
        return B.where(B.expand_dims(running, 1), new, alpha), None

    if time > 1:
        frames = B.moveaxis(emissions[:, 1:, :], 1, 0)
        running = B.less(B.expand_dims(B.arange(1, time, dtype="int32"), 1),
                         B.expand_dims(output_length, 0))
        alpha, _ = B.scan(step, alpha, (frames, running))

    # the sequence ends in its last label or in the blank after it
    last_blank = B.expand_dims(B.multiply(target_length, 2), 1)
    last_label = B.maximum(B.subtract(last_blank, 1), 0)
    end_blank = B.take_along_axis(alpha, last_blank, axis=1)[:, 0]
    end_label = B.where(B.greater(target_length, 0),
                        B.take_along_axis(alpha, last_label, axis=1)[:, 0],
                        B.full((batch,), LOG_ZERO, dtype=dtype))
    return B.negative(B.logsumexp(B.stack([end_blank, end_label]), axis=0))


def ctc_decode(B, inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    inputs = B.convert_to_tensor(inputs)
    if B.ndim(inputs) != 3:
        raise ValueError(f"ctc_decode expects inputs (logits) of shape (batch, max_time, "
                         f"classes), got {B.shape(inputs)}.")
    if strategy == "greedy":
        return _greedy_decode(B, inputs, sequence_lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        return _beam_search_decode(B, inputs, sequence_lengths, beam_width, top_paths,
                                   mask_index)
    raise ValueError(f"ctc_decode: strategy must be 'greedy' or 'beam_search', got {strategy!r}.")


def _greedy_decode(B, inputs, sequence_lengths, merge_repeated, mask_index):
    """The best class of each frame, repeats merged, blanks dropped and the labels moved to
    the front (``-1`` pads the rest); the score is minus the sum of the chosen logits."""
    batch, time, _ = B.shape(inputs)
    sequence_lengths = B.cast(B.convert_to_tensor(sequence_lengths), "int32")
    best = B.cast(B.argmax(inputs, axis=-1), "int32")
    scores = B.max(inputs, axis=-1)
    beyond = B.greater_equal(B.expand_dims(B.arange(time, dtype="int32"), 0),
                             B.expand_dims(sequence_lengths, 1))
    best = B.where(beyond, mask_index, best)
    scores = B.where(beyond, B.zeros_like(scores), scores)
    if merge_repeated:
        repeated = B.equal(best[:, 1:], best[:, :-1])
        repeated = B.concatenate([B.zeros((batch, 1), dtype="bool"), repeated], axis=1)
        best = B.where(repeated, mask_index, best)
    # the kept labels move to the front, in order: kept label number k of a sequence goes
    # to slot k (a one-hot placement: the contract has no scatter), -1 fills the rest
    kept = B.not_equal(best, mask_index)
    slots = B.where(kept, B.subtract(B.cumsum(B.cast(kept, "int32"), axis=1), 1), time)
    placement = B.one_hot(slots, time, dtype="float32")      # (batch, time, slot)
    values = B.expand_dims(B.cast(B.add(best, 1), "float32"), 1)
    decoded = B.subtract(B.cast(B.squeeze(B.matmul(values, placement), 1), "int32"), 1)
    return B.expand_dims(decoded, 0), B.expand_dims(B.negative(B.sum(scores, axis=1)), 1)


def _beam_search_decode(B, inputs, sequence_lengths, beam_width, top_paths, mask_index):
    """CTC prefix beam search (Hannun et al., 2014) on the host: the ``top_paths`` most
    probable label sequences of each batch entry among those the beam keeps, with their log
    probabilities (each summed over every alignment that yields it).

    It reads the logits back with ``convert_to_numpy`` (decoding follows ``predict``, outside
    any compiled step): inside ``jax.jit`` it raises JAX's error about a traced value."""
    if top_paths > beam_width:
        raise ValueError(f"ctc_decode: top_paths ({top_paths}) cannot exceed beam_width "
                         f"({beam_width}).")
    logits = np.asarray(B.convert_to_numpy(inputs), dtype=np.float64)
    lengths = np.asarray(B.convert_to_numpy(sequence_lengths)).astype(np.int64).reshape(-1)
    batch, time, _ = logits.shape
    log_probs = logits - _logsumexp(logits, axis=-1)
    decoded = np.full((top_paths, batch, time), -1, dtype=np.int32)
    scores = np.full((batch, top_paths), -np.inf, dtype=np.float64)
    for b in range(batch):
        best = _prefix_beam_search(log_probs[b, :lengths[b]], beam_width, mask_index)
        for rank, (prefix, score) in enumerate(best[:top_paths]):
            decoded[rank, b, :len(prefix)] = prefix
            scores[b, rank] = score
    return (B.convert_to_tensor(decoded),
            B.convert_to_tensor(scores.astype(np.dtype(B.dtype(inputs)))))


def _prefix_beam_search(log_probs, beam_width, blank):
    """``[(prefix, log probability), ...]``, best first, for one sequence's ``(time,
    classes)`` log probabilities. Each prefix keeps two log probabilities: of its alignments
    ending in a blank and of those ending in its last label (a repeated label needs a blank
    between its two copies)."""
    beams = {(): (0.0, -np.inf)}
    classes = np.arange(log_probs.shape[1])
    for frame in log_probs:
        grown = {}

        def add(prefix, blank_part, label_part):
            old_blank, old_label = grown.get(prefix, (-np.inf, -np.inf))
            grown[prefix] = (np.logaddexp(old_blank, blank_part),
                             np.logaddexp(old_label, label_part))

        for prefix, (ends_blank, ends_label) in beams.items():
            total = np.logaddexp(ends_blank, ends_label)
            add(prefix, total + frame[blank], -np.inf)
            last = prefix[-1] if prefix else None
            for label in classes[classes != blank]:
                label = int(label)
                if label == last:
                    # the same label again: merged unless a blank came between
                    add(prefix, -np.inf, ends_label + frame[label])
                    add(prefix + (label,), -np.inf, ends_blank + frame[label])
                else:
                    add(prefix + (label,), -np.inf, total + frame[label])
        ranked = sorted(grown.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = dict(ranked[:beam_width])
    return [(prefix, float(np.logaddexp(*parts)))
            for prefix, parts in sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))]


def _logsumexp(x, axis):
    peak = np.max(x, axis=axis, keepdims=True)
    return peak + np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True))
