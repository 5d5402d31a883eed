"""One step of the recurrent cells: ``simple_rnn_cell``, ``lstm_cell``, ``gru_cell``.

A recurrent layer projects every timestep's inputs with one matmul before its loop (the
input kernel and bias do not depend on the state); what is left per step is the
recurrent matmul and the gates. Each op here is that whole step, so a step costs one
dispatch of the engine instead of one per gate. The gates are Keras 3's, with its default
activations (``tanh``, and ``sigmoid`` for the gates) and its gate order (LSTM: input,
forget, candidate, output; GRU: update, reset, candidate); other activations are
composed from ordinary ops by the layers.

The gradient rules recompute the gates from the inputs with the engine's own ops instead
of keeping the forward's arrays: the rules are then differentiable, so the second order
works like any other op's, and a step keeps nothing beyond its inputs and outputs.
"""

from ..registry import defop
from .activations import _sigmoid


def _gates(x, count):
    """The ``count`` equal slices of ``x``'s last axis (views of a raw array)."""
    units = x.shape[-1] // count
    return [x[..., k * units:(k + 1) * units] for k in range(count)]


def _lazy_matmuls(F, dz, state, recurrent_kernel):
    """The gradients of ``state @ recurrent_kernel`` given the gradient ``dz`` of the
    product, as functions: each runs only when its input needs a gradient (a zero initial
    state needs none)."""
    return (lambda: F.matmul(dz, F.transpose(recurrent_kernel)),
            lambda: F.matmul(F.transpose(state), dz))


# ---------------------------------------------------------------------------- SimpleRNN
@defop("simple_rnn_cell", inputs=3)
def simple_rnn_cell(xp, inputs, state, recurrent_kernel):
    z = xp.matmul(state, recurrent_kernel)
    z += inputs
    return xp.tanh(z, out=z)


@simple_rnn_cell.defvjp
def simple_rnn_cell_vjp(F, g, y, inputs, state, recurrent_kernel):
    dz = F.multiply(g, F.subtract(1, F.square(y)))
    d_state, d_kernel = _lazy_matmuls(F, dz, state, recurrent_kernel)
    return dz, d_state, d_kernel


# ---------------------------------------------------------------------------- LSTM
@defop("lstm_cell", inputs=4, outputs="sequence")
def lstm_cell(xp, inputs, state_h, state_c, recurrent_kernel):
    z = xp.matmul(state_h, recurrent_kernel)
    z += inputs
    i, f, c, o = _gates(z, 4)
    carry = _sigmoid(xp, f) * state_c + _sigmoid(xp, i) * xp.tanh(c)
    return [_sigmoid(xp, o) * xp.tanh(carry), carry]


@lstm_cell.defvjp
def lstm_cell_vjp(F, g, y, inputs, state_h, state_c, recurrent_kernel):
    g_h, g_carry = g
    carry = y[1]
    z = F.add(inputs, F.matmul(state_h, recurrent_kernel))
    i, f, c, o = F.split(z, 4, axis=-1)
    i, f, o, c = F.sigmoid(i), F.sigmoid(f), F.sigmoid(o), F.tanh(c)
    tanh_carry = F.tanh(carry)
    # the carry's gradient: from the next carry directly, and through h = o * tanh(carry)
    g_carry = F.add(g_carry, F.multiply(F.multiply(g_h, o), F.subtract(1, F.square(tanh_carry))))
    dz = F.concatenate([
        F.multiply(F.multiply(g_carry, c), F.multiply(i, F.subtract(1, i))),
        F.multiply(F.multiply(g_carry, state_c), F.multiply(f, F.subtract(1, f))),
        F.multiply(F.multiply(g_carry, i), F.subtract(1, F.square(c))),
        F.multiply(F.multiply(g_h, tanh_carry), F.multiply(o, F.subtract(1, o))),
    ], axis=-1)
    d_state_h, d_kernel = _lazy_matmuls(F, dz, state_h, recurrent_kernel)
    return dz, d_state_h, (lambda: F.multiply(g_carry, f)), d_kernel


# ---------------------------------------------------------------------------- GRU
@defop("gru_cell", inputs=4)
def gru_cell(xp, inputs, state, recurrent_kernel, recurrent_bias, reset_after=True):
    x_z, x_r, x_h = _gates(inputs, 3)
    units = state.shape[-1]
    if reset_after:
        inner = xp.matmul(state, recurrent_kernel)
        inner += recurrent_bias
        r_z, r_r, r_h = _gates(inner, 3)
        z, r = _sigmoid(xp, x_z + r_z), _sigmoid(xp, x_r + r_r)
        candidate = xp.tanh(x_h + r * r_h)
    else:
        inner = xp.matmul(state, recurrent_kernel[:, :2 * units])
        inner += recurrent_bias[:2 * units]
        r_z, r_r = _gates(inner, 2)
        z, r = _sigmoid(xp, x_z + r_z), _sigmoid(xp, x_r + r_r)
        r_h = xp.matmul(r * state, recurrent_kernel[:, 2 * units:])
        candidate = xp.tanh(x_h + r_h + recurrent_bias[2 * units:])
    return z * state + (1 - z) * candidate


@gru_cell.defvjp
def gru_cell_vjp(F, g, y, inputs, state, recurrent_kernel, recurrent_bias, reset_after=True):
    x_z, x_r, x_h = F.split(inputs, 3, axis=-1)
    units = F.shape(state)[-1]
    if reset_after:
        inner = F.add(F.matmul(state, recurrent_kernel), recurrent_bias)
        r_z, r_r, r_h = F.split(inner, 3, axis=-1)
        candidate_input = F.multiply(F.sigmoid(F.add(x_r, r_r)), r_h)
    else:
        kernel_zr, kernel_h = F.split(recurrent_kernel, [2 * units], axis=-1)
        bias_zr, bias_h = F.split(recurrent_bias, [2 * units], axis=-1)
        r_z, r_r = F.split(F.add(F.matmul(state, kernel_zr), bias_zr), 2, axis=-1)
        reset_state = F.multiply(F.sigmoid(F.add(x_r, r_r)), state)
        candidate_input = F.add(F.matmul(reset_state, kernel_h), bias_h)
    z, r = F.sigmoid(F.add(x_z, r_z)), F.sigmoid(F.add(x_r, r_r))
    candidate = F.tanh(F.add(x_h, candidate_input))
    # h = z * state + (1 - z) * candidate
    d_z = F.multiply(F.multiply(g, F.subtract(state, candidate)), F.multiply(z, F.subtract(1, z)))
    d_h = F.multiply(F.multiply(g, F.subtract(1, z)), F.subtract(1, F.square(candidate)))
    d_direct = F.multiply(g, z)
    if reset_after:
        d_r = F.multiply(F.multiply(d_h, r_h), F.multiply(r, F.subtract(1, r)))
        d_inner = F.concatenate([d_z, d_r, F.multiply(d_h, r)], axis=-1)
        d_inputs = F.concatenate([d_z, d_r, d_h], axis=-1)
        return (d_inputs,
                lambda: F.add(d_direct, F.matmul(d_inner, F.transpose(recurrent_kernel))),
                lambda: F.matmul(F.transpose(state), d_inner),
                lambda: F.sum(d_inner, axis=0))
    d_reset_state = F.matmul(d_h, F.transpose(kernel_h))
    d_r = F.multiply(F.multiply(d_reset_state, state), F.multiply(r, F.subtract(1, r)))
    d_inner = F.concatenate([d_z, d_r], axis=-1)
    d_inputs = F.concatenate([d_z, d_r, d_h], axis=-1)

    def d_state():
        through_gates = F.matmul(d_inner, F.transpose(kernel_zr))
        return F.add(F.add(d_direct, F.multiply(d_reset_state, r)), through_gates)

    return (d_inputs, d_state,
            lambda: F.concatenate([F.matmul(F.transpose(state), d_inner),
                                   F.matmul(F.transpose(reset_state), d_h)], axis=-1),
            lambda: F.concatenate([F.sum(d_inner, axis=0), F.sum(d_h, axis=0)], axis=-1))
