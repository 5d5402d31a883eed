"""The backend contract: every op, its signature and its meaning.

One file, one class. Each backend subclasses :class:`Backend` and implements
every method; ``tests/backends/test_coverage.py`` lists any name a backend
lacks or whose signature differs. Names and argument conventions follow
``keras.ops``. The public namespace :mod:`kerasette.ops` forwards each name
to the active backend.

Conventions shared by every op:

- "tensor" means the backend's native tensor, a :class:`~kerasette.backends.variable.Variable`
  of the same backend, a numpy array, or a Python scalar / nested list. A
  tensor of another backend raises ``ValueError`` naming both backends.
- dtypes are preserved: float32 in, float32 out. Python floats and lists of
  floats become ``floatx()``, Python ints become int32.
- ``axis`` may be None (all axes), an int or a tuple of ints, negative allowed.
- Ops listed in :data:`NON_DIFFERENTIABLE` return integer/bool results or
  piecewise-constant values; a gradient through them is None (treated as zero).
"""

import inspect

# Ops without a gradient, each with the reason. Every other op is cross-checked
# against JAX and finite differences (tests/backends/test_gradients.py).
NON_DIFFERENTIABLE = {
    # creation and conversion
    "convert_to_numpy": "returns a numpy array, outside every tape",
    "zeros": "creation op, no tensor input", "ones": "creation op, no tensor input",
    "full": "creation op, no tensor input", "zeros_like": "constant in its input",
    "ones_like": "constant in its input", "full_like": "constant in its input",
    "arange": "creation op, no tensor input", "eye": "creation op, no tensor input",
    "shape": "returns a tuple of ints", "dtype": "returns a dtype name",
    "ndim": "returns an int", "size": "returns an int", "is_tensor": "returns a bool",
    # piecewise constant
    "sign": "piecewise constant", "floor": "piecewise constant", "ceil": "piecewise constant",
    "round": "piecewise constant", "floor_divide": "piecewise constant",
    "equal": "boolean result", "not_equal": "boolean result", "less": "boolean result",
    "less_equal": "boolean result", "greater": "boolean result", "greater_equal": "boolean result",
    "logical_and": "boolean result", "logical_or": "boolean result",
    "logical_not": "boolean result", "logical_xor": "boolean result",
    "isnan": "boolean result", "isinf": "boolean result", "isfinite": "boolean result",
    "argmax": "integer result", "argmin": "integer result", "all": "boolean result",
    "any": "boolean result", "one_hot": "integer input, constant output",
    "ctc_decode": "integer labels and, for beam search, scores computed on the host",
    # random
    "normal": "random draw", "uniform": "random draw", "truncated_normal": "random draw",
    "randint": "random draw", "shuffle": "random permutation (a gather; its gradient is not useful)",
    # autodiff utilities
    "stop_gradient": "blocks gradients by definition",
    "value_and_grad": "a transformation, checked by the gradient tests themselves",
    "grad": "a transformation, checked by the gradient tests themselves",
    "jit": "a transformation", "GradientTape": "the tape itself",
    # control flow
    "while_loop": "JAX's while_loop has no reverse-mode gradient (jax.grad raises); the engine "
                  "refuses a gradient through it the same way",
    "SeedGenerator": "random state", "Variable": "a container",
    # optimizer kernels
    "adam_update": "an optimizer's update, applied after the gradients are taken",
}

#: Contract names that are not ``keras.ops``: kernels the API calls on the backend object
#: (``kerasette.backend.get_backend().adam_update``), left out of :mod:`kerasette.ops`.
KERNELS = {
    "adam_update": "Adam's update of one variable and its two moments, in one call",
    "simple_rnn_cell": "one step of SimpleRNN, in one call",
    "lstm_cell": "one step of LSTM, in one call",
    "gru_cell": "one step of GRU, in one call",
}


class Backend:
    """The contract. Subclasses implement every method below."""

    #: The backend's name: "numpy", "cupy" or "jax".
    name = None

    #: Capability: whether the trainer's steps are compiled when ``jit_compile="auto"``
    #: (``jit`` traces them into one program). The API asks this, never the backend's name.
    compiles_steps = False

    #: Capability: the backend's engine for several devices, used by
    #: :mod:`kerasette.distribution` and the trainer (an object with the methods of
    #: :class:`DistributionEngine`); None where the backend runs on one device only.
    distribution_engine = None

    # ------------------------------------------------------------------ arrays and dtypes
    def convert_to_tensor(self, x, dtype=None):
        """``x`` (array, scalar, nested list, Variable, tensor) as this backend's tensor.

        Python floats become ``floatx()``, Python ints int32; numpy arrays keep
        their dtype unless ``dtype`` is given. A tensor of another backend
        raises ``ValueError``.
        """
        raise NotImplementedError

    def convert_to_numpy(self, x):
        """``x`` as a numpy array (copied to host memory when needed)."""
        raise NotImplementedError

    def is_tensor(self, x):
        """True for this backend's native tensor type (not Variables, not numpy arrays)."""
        raise NotImplementedError

    def cast(self, x, dtype):
        """``x`` converted to ``dtype`` (a no-op, returning ``x``, when it already has it)."""
        raise NotImplementedError

    def dtype(self, x):
        """The dtype of ``x`` as a standard name: "float32", "int32", "bool", ..."""
        raise NotImplementedError

    def shape(self, x):
        """The shape of ``x`` as a tuple of ints."""
        raise NotImplementedError

    def ndim(self, x):
        """Number of dimensions of ``x``."""
        raise NotImplementedError

    def size(self, x):
        """Number of elements of ``x``."""
        raise NotImplementedError

    def zeros(self, shape, dtype=None):
        """A tensor of zeros; dtype defaults to ``floatx()``."""
        raise NotImplementedError

    def ones(self, shape, dtype=None):
        """A tensor of ones; dtype defaults to ``floatx()``."""
        raise NotImplementedError

    def full(self, shape, fill_value, dtype=None):
        """A tensor filled with ``fill_value``; dtype defaults to ``floatx()``."""
        raise NotImplementedError

    def zeros_like(self, x, dtype=None):
        """Zeros with the shape (and, unless given, the dtype) of ``x``."""
        raise NotImplementedError

    def ones_like(self, x, dtype=None):
        """Ones with the shape (and, unless given, the dtype) of ``x``."""
        raise NotImplementedError

    def full_like(self, x, fill_value, dtype=None):
        """``fill_value`` with the shape (and, unless given, the dtype) of ``x``."""
        raise NotImplementedError

    def arange(self, start, stop=None, step=1, dtype=None):
        """Evenly spaced values in ``[start, stop)``; int32 for int arguments, else floatx."""
        raise NotImplementedError

    def eye(self, N, M=None, k=0, dtype=None):
        """A 2-D tensor with ones on the ``k``-th diagonal; dtype defaults to floatx."""
        raise NotImplementedError

    # ------------------------------------------------------------------ elementwise
    def add(self, x1, x2):
        """``x1 + x2`` with broadcasting."""
        raise NotImplementedError

    def subtract(self, x1, x2):
        """``x1 - x2`` with broadcasting."""
        raise NotImplementedError

    def multiply(self, x1, x2):
        """``x1 * x2`` with broadcasting."""
        raise NotImplementedError

    def divide(self, x1, x2):
        """``x1 / x2`` with broadcasting (true division; ints give floatx)."""
        raise NotImplementedError

    def floor_divide(self, x1, x2):
        """``x1 // x2`` with broadcasting."""
        raise NotImplementedError

    def mod(self, x1, x2):
        """``x1 % x2`` with broadcasting (sign of the divisor, like numpy)."""
        raise NotImplementedError

    def negative(self, x):
        """``-x``."""
        raise NotImplementedError

    def copy(self, x):
        """A new tensor with ``x``'s values (its own buffer: an optimizer slot that starts
        as a weight's value must not share it, which JAX's buffer donation refuses)."""
        raise NotImplementedError

    def power(self, x1, x2):
        """``x1 ** x2`` with broadcasting."""
        raise NotImplementedError

    def square(self, x):
        """``x * x``."""
        raise NotImplementedError

    def sqrt(self, x):
        """Square root."""
        raise NotImplementedError

    def exp(self, x):
        """``e ** x``."""
        raise NotImplementedError

    def log(self, x):
        """Natural logarithm."""
        raise NotImplementedError

    def log1p(self, x):
        """``log(1 + x)``, accurate for small ``x``."""
        raise NotImplementedError

    def expm1(self, x):
        """``exp(x) - 1``, accurate for small ``x``."""
        raise NotImplementedError

    def abs(self, x):
        """Absolute value (gradient ``sign(x)``, 0 at 0)."""
        raise NotImplementedError

    def sign(self, x):
        """-1, 0 or 1."""
        raise NotImplementedError

    def maximum(self, x1, x2):
        """Elementwise maximum with broadcasting (on ties each input gets half the gradient, as JAX)."""
        raise NotImplementedError

    def minimum(self, x1, x2):
        """Elementwise minimum with broadcasting (on ties each input gets half the gradient, as JAX)."""
        raise NotImplementedError

    def clip(self, x, x_min, x_max):
        """``x`` limited to ``[x_min, x_max]``; gradient 1 inside, 0 outside."""
        raise NotImplementedError

    def where(self, condition, x1=None, x2=None):
        """``x1`` where ``condition`` else ``x2`` (broadcast). With only ``condition``,
        the indices of its non-zero elements, as ``numpy.nonzero``."""
        raise NotImplementedError

    def sin(self, x):
        """Sine."""
        raise NotImplementedError

    def cos(self, x):
        """Cosine."""
        raise NotImplementedError

    def tanh(self, x):
        """Hyperbolic tangent."""
        raise NotImplementedError

    def erf(self, x):
        """The error function."""
        raise NotImplementedError

    def floor(self, x):
        """Largest integer not above ``x`` (same float dtype)."""
        raise NotImplementedError

    def ceil(self, x):
        """Smallest integer not below ``x`` (same float dtype)."""
        raise NotImplementedError

    def round(self, x, decimals=0):
        """Round half to even, to ``decimals`` places."""
        raise NotImplementedError

    def equal(self, x1, x2):
        """``x1 == x2`` (bool)."""
        raise NotImplementedError

    def not_equal(self, x1, x2):
        """``x1 != x2`` (bool)."""
        raise NotImplementedError

    def less(self, x1, x2):
        """``x1 < x2`` (bool)."""
        raise NotImplementedError

    def less_equal(self, x1, x2):
        """``x1 <= x2`` (bool)."""
        raise NotImplementedError

    def greater(self, x1, x2):
        """``x1 > x2`` (bool)."""
        raise NotImplementedError

    def greater_equal(self, x1, x2):
        """``x1 >= x2`` (bool)."""
        raise NotImplementedError

    def logical_and(self, x1, x2):
        """Elementwise AND (bool)."""
        raise NotImplementedError

    def logical_or(self, x1, x2):
        """Elementwise OR (bool)."""
        raise NotImplementedError

    def logical_not(self, x):
        """Elementwise NOT (bool)."""
        raise NotImplementedError

    def logical_xor(self, x1, x2):
        """Elementwise XOR (bool)."""
        raise NotImplementedError

    def isnan(self, x):
        """True where ``x`` is NaN."""
        raise NotImplementedError

    def isinf(self, x):
        """True where ``x`` is +-inf."""
        raise NotImplementedError

    def isfinite(self, x):
        """True where ``x`` is neither NaN nor inf."""
        raise NotImplementedError

    # ------------------------------------------------------------------ activations
    def relu(self, x):
        """``max(x, 0)``."""
        raise NotImplementedError

    def relu6(self, x):
        """``min(max(x, 0), 6)``."""
        raise NotImplementedError

    def leaky_relu(self, x, negative_slope=0.2):
        """``x`` if ``x >= 0`` else ``negative_slope * x``."""
        raise NotImplementedError

    def elu(self, x, alpha=1.0):
        """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
        raise NotImplementedError

    def selu(self, x):
        """``scale * elu(x, alpha)`` with alpha=1.67326324, scale=1.05070098."""
        raise NotImplementedError

    def gelu(self, x, approximate=True):
        """Gaussian error linear unit: ``x * Phi(x)`` exactly (``approximate=False``,
        via erf) or with the tanh approximation (default, as Keras 3)."""
        raise NotImplementedError

    def sigmoid(self, x):
        """``1 / (1 + exp(-x))``, stable for large ``|x|``."""
        raise NotImplementedError

    def hard_sigmoid(self, x):
        """``relu6(x + 3) / 6``."""
        raise NotImplementedError

    def softplus(self, x):
        """``log(1 + exp(x))``, stable for large ``|x|``."""
        raise NotImplementedError

    def softsign(self, x):
        """``x / (1 + |x|)``."""
        raise NotImplementedError

    def silu(self, x):
        """``x * sigmoid(x)`` (swish)."""
        raise NotImplementedError

    def softmax(self, x, axis=-1):
        """``exp(x) / sum(exp(x))`` along ``axis``, computed stably."""
        raise NotImplementedError

    def log_softmax(self, x, axis=-1):
        """``x - logsumexp(x)`` along ``axis``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ reductions
    def sum(self, x, axis=None, keepdims=False):
        """Sum over ``axis``."""
        raise NotImplementedError

    def mean(self, x, axis=None, keepdims=False):
        """Mean over ``axis`` (ints give floatx)."""
        raise NotImplementedError

    def max(self, x, axis=None, keepdims=False):
        """Maximum over ``axis``; the gradient is shared equally among ties."""
        raise NotImplementedError

    def min(self, x, axis=None, keepdims=False):
        """Minimum over ``axis``; the gradient is shared equally among ties."""
        raise NotImplementedError

    def prod(self, x, axis=None, keepdims=False):
        """Product over ``axis``."""
        raise NotImplementedError

    def var(self, x, axis=None, keepdims=False):
        """Population variance (``ddof=0``) over ``axis``."""
        raise NotImplementedError

    def std(self, x, axis=None, keepdims=False):
        """Population standard deviation over ``axis``."""
        raise NotImplementedError

    def argmax(self, x, axis=None, keepdims=False):
        """Index of the maximum (first one on ties), int32."""
        raise NotImplementedError

    def argmin(self, x, axis=None, keepdims=False):
        """Index of the minimum (first one on ties), int32."""
        raise NotImplementedError

    def logsumexp(self, x, axis=None, keepdims=False):
        """``log(sum(exp(x)))`` over ``axis``, computed stably."""
        raise NotImplementedError

    def all(self, x, axis=None, keepdims=False):
        """True where every element over ``axis`` is true."""
        raise NotImplementedError

    def any(self, x, axis=None, keepdims=False):
        """True where some element over ``axis`` is true."""
        raise NotImplementedError

    def cumsum(self, x, axis=None):
        """Cumulative sum along ``axis`` (flattened when None)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ linear algebra
    def matmul(self, x1, x2):
        """Matrix product with numpy's rules: batched, broadcasting leading dims, 1-D operands
        promoted and the added dimension removed."""
        raise NotImplementedError

    def dot(self, x1, x2):
        """``numpy.dot``: sum over the last axis of ``x1`` and the second-to-last of ``x2``."""
        raise NotImplementedError

    def tensordot(self, x1, x2, axes=2):
        """``numpy.tensordot``."""
        raise NotImplementedError

    def einsum(self, subscripts, *operands):
        """``numpy.einsum`` (explicit and implicit output, ellipsis)."""
        raise NotImplementedError

    def transpose(self, x, axes=None):
        """Permutes the axes (reverses them when ``axes`` is None)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ shape
    def reshape(self, x, newshape):
        """``x`` with a new shape (one entry may be -1)."""
        raise NotImplementedError

    def expand_dims(self, x, axis):
        """Inserts a length-1 axis (or several, for a tuple) at ``axis``."""
        raise NotImplementedError

    def squeeze(self, x, axis=None):
        """Removes length-1 axes (all of them when ``axis`` is None)."""
        raise NotImplementedError

    def concatenate(self, xs, axis=0):
        """Joins a sequence of tensors along an existing axis."""
        raise NotImplementedError

    def stack(self, x, axis=0):
        """Joins a sequence of same-shape tensors along a new axis."""
        raise NotImplementedError

    def split(self, x, indices_or_sections, axis=0):
        """A list of sub-tensors (``numpy.split``)."""
        raise NotImplementedError

    def broadcast_to(self, x, shape):
        """``x`` broadcast to ``shape``."""
        raise NotImplementedError

    def tile(self, x, repeats):
        """``x`` repeated ``repeats`` times along each axis (``numpy.tile``)."""
        raise NotImplementedError

    def repeat(self, x, repeats, axis=None):
        """Each element repeated (``numpy.repeat``; ``repeats`` an int or a sequence)."""
        raise NotImplementedError

    def pad(self, x, pad_width, mode="constant", constant_values=None):
        """Pads ``x``; ``mode`` one of "constant", "reflect", "symmetric", "edge"."""
        raise NotImplementedError

    def flip(self, x, axis=None):
        """Reverses the order of elements along ``axis`` (all axes when None)."""
        raise NotImplementedError

    def take(self, x, indices, axis=None):
        """Elements at integer ``indices`` along ``axis`` (flattened when None); the gradient
        scatter-adds, so repeated indices accumulate."""
        raise NotImplementedError

    def take_along_axis(self, x, indices, axis=None):
        """``numpy.take_along_axis``; the gradient scatter-adds."""
        raise NotImplementedError

    def one_hot(self, x, num_classes, axis=-1, dtype=None):
        """One-hot encoding of integer ``x``; out-of-range indices give all-zero rows."""
        raise NotImplementedError

    def get_item(self, x, key):
        """``x[key]`` for basic (ints, slices, None, Ellipsis) and integer-array / boolean keys;
        the gradient scatter-adds. Tensors' ``__getitem__`` calls this."""
        raise NotImplementedError

    def slice(self, inputs, start_indices, shape):
        """The block of ``inputs`` starting at ``start_indices`` with extent ``shape``."""
        raise NotImplementedError

    def moveaxis(self, x, source, destination):
        """Moves axes to new positions (``numpy.moveaxis``)."""
        raise NotImplementedError

    def unstack(self, x, num=None, axis=0):
        """The slices of ``x`` along ``axis``, as a list (``num``, when given, must be their
        number). The gradient stacks the slices' gradients: one copy, however many slices."""
        raise NotImplementedError

    # ------------------------------------------------------------------ nn
    def conv(self, inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
        """N-D convolution (N = 1, 2 or 3), cross-correlation as in Keras.

        ``inputs``: (batch, *spatial, channels) for channels_last, (batch, channels, *spatial)
        for channels_first. ``kernel``: (*kernel_spatial, channels // groups, filters); the
        number of groups is ``channels // kernel.shape[-2]``. ``strides`` and
        ``dilation_rate`` an int or a tuple per spatial dim; ``padding`` "valid" or "same"
        (TensorFlow's "same": output size ceil(size / stride), extra padding at the end).
        """
        raise NotImplementedError

    def conv_transpose(self, inputs, kernel, strides=1, padding="valid", output_padding=None,
                       data_format=None, dilation_rate=1):
        """Transposed convolution (the gradient of ``conv`` with respect to its input), 1-D to 3-D.

        ``kernel``: (*kernel_spatial, filters, channels) — Keras's Conv2DTranspose layout.
        Output spatial size, as Keras computes it: with ``output_padding=None``, "valid" gives
        ``(n - 1) * stride + max(k, stride)`` (k the dilated kernel size) and "same" gives
        ``n * stride``; with ``output_padding`` p, ``(n - 1) * stride + k - 2 * pad + p``.
        """
        raise NotImplementedError

    def max_pool(self, inputs, pool_size, strides=None, padding="valid", data_format=None):
        """Max pooling, 1-D to 3-D; ``strides`` defaults to ``pool_size``. The gradient goes to
        the first maximum of each window."""
        raise NotImplementedError

    def average_pool(self, inputs, pool_size, strides=None, padding="valid", data_format=None):
        """Average pooling, 1-D to 3-D; with padding "same" the padded cells are not counted."""
        raise NotImplementedError

    def moments(self, x, axes, keepdims=False, synchronized=False):
        """``(mean, variance)`` of ``x`` over ``axes``."""
        raise NotImplementedError

    def batch_normalization(self, x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
        """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, where the 1-D statistics
        and parameters run along ``axis`` of ``x``."""
        raise NotImplementedError

    def dot_product_attention(self, query, key, value, bias=None, mask=None, scale=None,
                              is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
        """Scaled dot-product attention, as ``keras.ops.dot_product_attention``:
        ``softmax(query . key * scale + bias, masked) . value``.

        ``query`` is ``(B, T, N, H)`` (batch, query length, heads, head size); ``key`` and
        ``value`` are ``(B, S, K, H)`` where ``K`` divides ``N`` (``K == N``: multi-head
        attention; fewer key/value heads: grouped-query attention, query head ``n`` reading
        key/value head ``n // (N // K)``). ``bias`` (added to the logits) and ``mask`` (True:
        attend) broadcast to ``(B, N, T, S)``; ``is_causal`` also hides the keys after each
        query (``s > t``). ``scale`` defaults to ``1 / sqrt(H)``. The softmax runs in float32
        for float16/bfloat16 inputs. Returns ``(B, T, N, H)``. ``flash_attention=True`` and
        ``attn_logits_soft_cap`` (both TPU/cuDNN features in Keras) raise ``ValueError``."""
        raise NotImplementedError

    def binary_crossentropy(self, target, output, from_logits=False):
        """Elementwise binary cross-entropy. With ``from_logits`` the stable form
        ``max(z, 0) - z * t + log1p(exp(-|z|))``; otherwise ``output`` is clipped to
        ``[epsilon, 1 - epsilon]``."""
        raise NotImplementedError

    def categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        """``-sum(target * log_softmax(output))`` along ``axis`` when ``from_logits``; otherwise
        ``output`` is normalised to sum to 1 and clipped to ``[epsilon, 1 - epsilon]``."""
        raise NotImplementedError

    def sparse_categorical_crossentropy(self, target, output, from_logits=False, axis=-1):
        """As :meth:`categorical_crossentropy` with integer class ids ``target``
        (shape of ``output`` without ``axis``)."""
        raise NotImplementedError

    def ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        """The connectionist temporal classification loss, one value per sequence:
        ``-log p(target | output)`` summed over every alignment of the labels to the frames.

        ``target`` is ``(batch, max_label_length)`` integer labels (``target_length`` of them
        count), ``output`` ``(batch, max_time, classes)`` logits (``output_length`` frames
        count); ``mask_index`` is the blank class. Written once with contract ops in
        ``backends/ctc.py``: an impossible state has log-probability -1e5 rather than -inf, so
        every gradient stays finite (an unreachable target costs about 1e5)."""
        raise NotImplementedError

    def ctc_decode(self, inputs, sequence_lengths, strategy="greedy", beam_width=100,
                   top_paths=1, merge_repeated=True, mask_index=0):
        """Decodes CTC logits ``(batch, max_time, classes)``: ``(decoded, scores)``.

        ``"greedy"``: the best class per frame, repeats merged (``merge_repeated``), blanks
        dropped; ``decoded`` is ``(1, batch, max_time)`` padded with -1 and ``scores``
        ``(batch, 1)`` minus the sum of the chosen logits. ``"beam_search"``: a prefix beam
        search of ``beam_width`` prefixes, run on the host (not inside a compiled function);
        ``decoded`` is ``(top_paths, batch, max_time)`` and ``scores`` ``(batch, top_paths)``
        the log probabilities of the decoded sequences."""
        raise NotImplementedError

    # ------------------------------------------------------------------ image
    # keras.ops.image; images are (height, width, channels) or (batch, ...) for channels_last,
    # (channels, height, width) or (batch, ...) for channels_first (backends/image.py)
    def resize(self, images, size, interpolation="bilinear", antialias=False,
               crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
               fill_value=0.0, data_format=None):
        """Images resized to ``size`` = (height, width), as ``jax.image.resize``.

        ``interpolation``: "nearest", "bilinear", "bicubic" (Keys, a = -0.5), "lanczos3",
        "lanczos5". ``antialias`` widens the kernel when downscaling. With
        ``crop_to_aspect_ratio`` the largest centred window of the target's aspect ratio is
        resized; with ``pad_to_aspect_ratio`` the image is first padded (centred, with
        ``fill_value``) to that aspect. Differentiable in the images.

        Example:
            >>> ops.resize(ops.ones((2, 4, 4, 3)), (8, 8)).shape
            (2, 8, 8, 3)
        """
        raise NotImplementedError

    def affine_transform(self, images, transform, interpolation="bilinear",
                         fill_mode="constant", fill_value=0, data_format=None):
        """Images warped by ``transform`` (8 numbers ``[a0, a1, a2, b0, b1, b2, c0, c1]``, or
        one row per image): output pixel (x, y) reads the input at
        ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``. ``interpolation`` "nearest" or "bilinear";
        ``fill_mode`` "constant" (``fill_value``), "nearest", "wrap", "mirror" or "reflect"
        says what lies outside the image. Differentiable in the images and the transform."""
        raise NotImplementedError

    def map_coordinates(self, inputs, coordinates, order, fill_mode="constant",
                        fill_value=0.0):
        """``inputs`` (rank N) sampled at ``coordinates`` (shape (N, ...)), with ``order`` 0
        (nearest, halves away from zero) or 1 (linear), as
        ``jax.scipy.ndimage.map_coordinates``; ``fill_mode`` as in ``affine_transform``."""
        raise NotImplementedError

    def crop_images(self, images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                    right_cropping=None, target_height=None, target_width=None,
                    data_format=None):
        """Images cropped; per axis give two of: the two croppings, the target size."""
        raise NotImplementedError

    def pad_images(self, images, top_padding=None, left_padding=None, bottom_padding=None,
                   right_padding=None, target_height=None, target_width=None,
                   data_format=None):
        """Images zero-padded; per axis give two of: the two paddings, the target size."""
        raise NotImplementedError

    def rgb_to_grayscale(self, images, data_format=None):
        """Luma (0.2989 R + 0.5870 G + 0.1140 B) with the channel axis kept (size 1)."""
        raise NotImplementedError

    def rgb_to_hsv(self, images, data_format=None):
        """RGB float images (values in [0, 1]) to HSV, each plane in [0, 1]."""
        raise NotImplementedError

    def hsv_to_rgb(self, images, data_format=None):
        """HSV float images (planes in [0, 1]) to RGB, the inverse of ``rgb_to_hsv``."""
        raise NotImplementedError

    def gaussian_blur(self, images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
        """Each channel convolved with a normalized Gaussian window ("same" size, zero
        padding); ``kernel_size`` and ``sigma`` are (width, height) as in Keras."""
        raise NotImplementedError

    # ------------------------------------------------------------------ random
    def SeedGenerator(self, seed=None):
        """A stateful source of seeds for the random ops: each draw advances its state, so
        two generators built with the same seed give the same sequence of numbers."""
        raise NotImplementedError

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Normal samples. ``seed``: an int, a SeedGenerator, or None (a fresh draw)."""
        raise NotImplementedError

    def uniform(self, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        """Uniform samples in ``[minval, maxval)``."""
        raise NotImplementedError

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        """Normal samples redrawn until within two standard deviations of the mean."""
        raise NotImplementedError

    def randint(self, shape, minval, maxval, dtype="int32", seed=None):
        """Integers in ``[minval, maxval)``."""
        raise NotImplementedError

    def dropout(self, inputs, rate, noise_shape=None, seed=None):
        """Zeros a ``rate`` fraction of entries and scales the rest by ``1 / (1 - rate)``;
        ``noise_shape`` broadcasts one mask over axes of size 1."""
        raise NotImplementedError

    def shuffle(self, x, axis=0, seed=None):
        """``x`` with each 1-D slice along ``axis`` permuted independently (Keras's semantics:
        ``numpy.random.Generator.permuted``, ``jax.random.permutation(independent=True)``)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ autodiff
    def stop_gradient(self, x):
        """``x``, seen by every gradient as a constant."""
        raise NotImplementedError

    def value_and_grad(self, fn, argnums=0, has_aux=False):
        """``jax.value_and_grad``: a function returning ``(value, grads)`` (or
        ``((value, aux), grads)`` with ``has_aux``). ``fn`` returns a scalar; ``argnums``
        an int or a tuple; arguments may be nested lists/tuples/dicts of tensors, and
        grads have the same structure. Unconnected arguments get zeros. A differentiated
        argument holding an integer or boolean value raises TypeError (as in JAX)."""
        raise NotImplementedError

    def grad(self, fn, argnums=0, has_aux=False):
        """Like :meth:`value_and_grad`, returning only the gradients (and aux)."""
        raise NotImplementedError

    def GradientTape(self, persistent=False, watch_accessed_variables=True):
        """A TensorFlow-style tape: ``with tape: ...`` records ops; ``tape.watch(x)``;
        ``tape.gradient(target, sources, output_gradients=None)`` returns gradients in the
        structure of ``sources`` (None where unconnected). Trainable Variables read inside
        are watched unless ``watch_accessed_variables=False``. Only floating (and complex)
        tensors are tracked: an integer or boolean source gets None, like an unconnected
        one, and no gradient flows through an integer result. Tapes nest: an outer tape
        records the inner tape's gradient computation, giving higher derivatives. A
        non-persistent tape allows one ``gradient`` call."""
        raise NotImplementedError

    def Variable(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", name=None):
        """A :class:`~kerasette.backends.variable.Variable` owned by this backend."""
        raise NotImplementedError

    def custom_gradient(self, f):
        """Decorator: a function whose gradient is given by the user (Keras 3's signature).

        ``f(*args)`` returns ``(output, grad_fn)``; the decorated function returns
        ``output``, and a gradient through it is ``grad_fn(upstream)``: ``upstream`` holds the
        cotangents of ``output`` (its structure), and ``grad_fn`` returns one gradient per
        argument of ``f`` (a single tensor when there is one argument; None for "no
        gradient"). Write ``grad_fn`` with ops: it is recorded like any computation, so an
        enclosing tape (or ``jax.grad``) differentiates it again, and the values ``f``
        computed for it stay connected to the arguments (JAX's ``custom_vjp`` semantics).
        Keras's backend-neutral form ``def grad(*args, upstream=None)`` works too. Tensors
        that ``f`` reads without taking them as arguments get no gradient through it.

        Example:
            >>> @ops.custom_gradient
            ... def log1pexp(x):
            ...     e = ops.exp(x)
            ...     def grad(upstream):
            ...         return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1.0, e))
            ...     return ops.log(1.0 + e), grad
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ control flow
    # (Keras 3's semantics: JAX's ``lax`` control flow. The jax backend compiles them as
    # ``lax.cond``, ``lax.scan``, ...; the autodiff engine runs them as Python control flow,
    # recorded on the tape op by op, so gradients of any order flow through them. A value
    # it must read on the host, a tensor predicate or loop bound, makes a ``jit`` recording
    # give up and run the step eagerly.)
    def cond(self, pred, true_fn, false_fn):
        """``true_fn()`` if ``pred`` else ``false_fn()``: ``pred`` a scalar (bool or number).
        Only the chosen branch runs (or, compiled, contributes); both must return the same
        structure of shapes and dtypes (JAX checks; the engine, running one, cannot)."""
        raise NotImplementedError

    def switch(self, index, branches, *operands):
        """``branches[index](*operands)``, ``index`` a scalar integer clamped to
        ``[0, len(branches) - 1]``."""
        raise NotImplementedError

    def while_loop(self, cond, body, loop_vars, maximum_iterations=None):
        """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (a tuple or list of
        loop variables is passed positionally, anything else as one argument), at most
        ``maximum_iterations`` times. Returns the final loop variables in their structure.
        No reverse-mode gradient, as in JAX: use ``scan`` or ``fori_loop`` with Python int
        bounds to differentiate a loop."""
        raise NotImplementedError

    def fori_loop(self, lower, upper, body_fun, init_val):
        """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``, from ``init_val``.
        Differentiable when ``lower`` and ``upper`` are known before the loop runs (Python
        ints, or concrete tensors outside ``jit``), as in JAX."""
        raise NotImplementedError

    def scan(self, f, init, xs=None, length=None, reverse=False, unroll=1):
        """``jax.lax.scan``: ``carry, y = f(carry, x)`` over the leading axis of ``xs`` (a
        structure of tensors; None with ``length`` steps), from ``carry = init``. Returns the
        final carry and the ``y``s stacked on a new leading axis (None where ``f`` returns
        None). ``reverse`` runs from the last element (the ``y``s keep ``xs``' order). The
        carry keeps its structure, shapes and dtypes from step to step. ``unroll`` (a
        positive int or a bool) is a compilation hint."""
        raise NotImplementedError

    def associative_scan(self, f, elems, reverse=False, axis=0):
        """Inclusive scan of the associative ``f`` along ``axis`` of ``elems`` (a structure of
        tensors of equal length there): element ``k`` of the result combines elements
        ``0..k`` (``k..n-1`` when ``reverse``). ``f(a, b)`` works elementwise on slices that
        keep the axis; it is applied O(log n) times, on whole slices (Blelloch's algorithm)."""
        raise NotImplementedError

    def map(self, f, xs):
        """``f`` applied to each slice of ``xs`` (a structure of tensors) along its leading
        axis, one at a time; the results stacked on a new leading axis."""
        raise NotImplementedError

    def vectorized_map(self, function, elements):
        """``jax.vmap(function)(elements)``: like :meth:`map`, but the backend may run all
        slices at once (the jax backend vectorizes; the engine loops)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ recurrent cells
    # One step of a recurrent layer whose inputs were projected by the input kernel (and
    # bias) for all timesteps at once: the recurrent matmul and the gates in one call, with
    # Keras 3's default activations (tanh; sigmoid for the gates) and gate order.
    def simple_rnn_cell(self, inputs, state, recurrent_kernel):
        """SimpleRNN's step: ``tanh(inputs + state @ recurrent_kernel)``.

        Args:
            inputs: ``(batch, units)``, the step's projected inputs (``x @ kernel + bias``).
            state: ``(batch, units)``, the previous output.
            recurrent_kernel: ``(units, units)``.
        """
        raise NotImplementedError

    def lstm_cell(self, inputs, state_h, state_c, recurrent_kernel):
        """LSTM's step: ``z = inputs + state_h @ recurrent_kernel`` split into the input,
        forget, candidate and output gates ``i, f, c, o`` (in that order, as Keras);
        ``carry = sigmoid(f) * state_c + sigmoid(i) * tanh(c)`` and
        ``h = sigmoid(o) * tanh(carry)``. Returns ``(h, carry)``.

        Args:
            inputs: ``(batch, 4 * units)``, the step's projected inputs.
            state_h, state_c: ``(batch, units)``, the previous output and carry.
            recurrent_kernel: ``(units, 4 * units)``.
        """
        raise NotImplementedError

    def gru_cell(self, inputs, state, recurrent_kernel, recurrent_bias, reset_after=True):
        """GRU's step, gates in Keras's order (update ``z``, reset ``r``, candidate):
        ``h = z * state + (1 - z) * tanh(x_h + r_h)`` where ``inputs = [x_z, x_r, x_h]``.
        With ``reset_after`` (Keras's default), ``[r_z, r_r, u_h] = state @ recurrent_kernel
        + recurrent_bias`` and ``r_h = r * u_h``; without, ``[r_z, r_r]`` is ``state``
        times the first two thirds of the kernel plus the bias's, and
        ``r_h = (r * state) @ kernel[:, 2 * units:] + bias[2 * units:]``.

        Args:
            inputs: ``(batch, 3 * units)``, the step's projected inputs.
            state: ``(batch, units)``, the previous output.
            recurrent_kernel: ``(units, 3 * units)``.
            recurrent_bias: ``(3 * units,)`` (zeros where the layer has none).
            reset_after: where the reset gate applies, a Python bool.
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ optimizer kernels
    def adam_update(self, variable, gradient, m, v, alpha, beta_1, beta_2, epsilon, flush=True):
        """One Adam step of one variable, as Keras 3 writes it, in one call:

        ``m + (gradient - m) * (1 - beta_1)``, ``v + (gradient**2 - v) * (1 - beta_2)``
        (both with denormal values set to 0, see ``kerasette.optimizers.flush_denormals``),
        then ``variable - m * alpha / (sqrt(v) + epsilon)`` with the new moments.

        Args:
            variable, gradient, m, v: tensors of one shape and float dtype (the variable's
                value, its gradient and the two moments).
            alpha: the step size, a scalar tensor of that dtype (the learning rate with
                Adam's bias correction).
            beta_1, beta_2, epsilon: Python floats.
            flush: whether this step must set the moments' denormal values to 0: a bool or a
                scalar bool tensor (optimizers flush every few steps, which keeps
                denormals from piling up at a fraction of the cost). A backend may flush
                at every step regardless (JAX: XLA flushes on the CPU by itself).

        Returns the new ``(variable, m, v)``; the inputs are not changed. Backends fuse it
        (no temporary per arithmetic operation); it is never recorded on a tape.
        """
        raise NotImplementedError

    def jit(self, fn, static_argnums=None, donate_argnums=None):
        """``fn`` compiled when the backend can (``jax.jit``); ``fn`` itself elsewhere.

        ``donate_argnums``: positional arguments whose buffers the compiled function may
        reuse for its outputs (their arrays must not be read after the call); ignored by
        backends that do not compile."""
        raise NotImplementedError


class DistributionEngine:
    """The capability ``Backend.distribution_engine``: what :mod:`kerasette.distribution` and
    the trainer ask of a backend that trains on several devices.

    A device mesh is given as ``(shape, axis_names, devices)`` (devices as the strings of
    :meth:`list_devices`) and a layout as a tuple of mesh axis names or None, one per
    dimension of the tensor. The API never sees the engine's own objects (JAX's ``Mesh``).
    """

    #: Whether a train step holding :meth:`reduce_gradients` may go through the backend's
    #: ``jit`` (JAX: XLA inserts the collectives; NCCL calls are host calls, run eagerly).
    compiles_collectives = False

    def list_devices(self, device_type=None):
        """Every device of the job (all processes), as ``"cpu:0"``, ``"gpu:1"``, ...;
        only those of ``device_type`` ("cpu", "gpu", "tpu") when given."""
        raise NotImplementedError

    def initialize(self, job_addresses=None, num_processes=None, process_id=None):
        """Joins a job of several processes (``job_addresses``: a comma-separated list whose
        first address is the coordinator's, ``"host:port"``)."""
        raise NotImplementedError

    def process_count(self):
        """How many processes take part in the job (1 before :meth:`initialize`)."""
        raise NotImplementedError

    def process_index(self):
        """This process's index in the job, from 0."""
        raise NotImplementedError

    def distribute_tensor(self, x, mesh, axes):
        """``x`` (the same global value in every process) laid out over ``mesh`` as ``axes``
        say: a dimension named by a mesh axis is split over that axis's devices, the others
        are replicated. A tensor already laid out so is returned as it is."""
        raise NotImplementedError

    def distribute_batch(self, x, mesh, axes):
        """The global batch ``x`` (host data, the same in every process) as the step's input:
        each process feeds only its own part of the batch dimension (``axes[0]``) to its
        devices. Raises ``ValueError`` when that dimension does not divide evenly."""
        raise NotImplementedError

    def reduce_gradients(self, gradients):
        """The gradients of the global batch from this process's gradients (a list of
        tensors): the mean over processes where each computes on its own shard; the
        gradients as they are where the compiled step already reduces them (JAX)."""
        raise NotImplementedError

    def broadcast_values(self, values):
        """``values`` (a list of tensors) as process 0 has them, in every process: the
        weights every replica starts from."""
        raise NotImplementedError

    def to_numpy(self, x):
        """``x`` as one numpy array of its global value, in every process."""
        raise NotImplementedError


def contract_names():
    """Every name in the contract, in the order it is declared."""
    return [name for name, member in vars(Backend).items()
            if callable(member) and not name.startswith("_")]


def contract_signature(name):
    """The signature of contract method ``name``, without ``self``."""
    signature = inspect.signature(getattr(Backend, name))
    parameters = list(signature.parameters.values())[1:]
    return signature.replace(parameters=parameters)
