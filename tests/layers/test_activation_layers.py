"""PReLU's gradients where the table of test_all_layers.py does not look: at the kink
(inputs exactly 0), against ``jax.grad`` of Keras 3's formula ``relu(x) - alpha * relu(-x)``
(``jax.nn.relu``'s gradient at 0 is 0)."""

import numpy as np
import pytest

import kerasette
import kerasette.layers as layers


def test_prelu_gradients_at_the_kink_match_jax(backend):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 2, 4)).astype("float32")
    x[:, 0, :2] = 0.0  # exact zeros: the kink
    alpha = rng.normal(size=(1, 4)).astype("float32")
    cotangent = rng.normal(size=x.shape).astype("float32")

    def reference(x, alpha):
        return jnp.sum((jax.nn.relu(x) - alpha * jax.nn.relu(-x)) * cotangent)

    expected_x, expected_alpha = jax.grad(reference, argnums=(0, 1))(x, alpha)
    layer = layers.PReLU(shared_axes=[1])
    layer(x)
    layer.alpha.assign(alpha)
    inputs = kerasette.ops.convert_to_tensor(x)
    with kerasette.GradientTape() as tape:
        tape.watch(inputs)
        target = kerasette.ops.sum(kerasette.ops.multiply(layer(inputs), cotangent))
    grad_x, grad_alpha = tape.gradient(target, [inputs, layer.alpha])
    np.testing.assert_allclose(kerasette.ops.convert_to_numpy(grad_x), expected_x, rtol=1e-6)
    np.testing.assert_allclose(kerasette.ops.convert_to_numpy(grad_alpha), expected_alpha,
                               rtol=1e-5)


@pytest.mark.parametrize("build, message", [
    (lambda: layers.PReLU(shared_axes=[0], name="p").build((None, 3, 4)),
     r'PReLU "p": each of shared_axes must be an axis after the batch \(1 to 2 for input '
     r"shape \(None, 3, 4\)\), got \[0\]"),
    (lambda: layers.PReLU(name="p").build((None, None, 4)),
     r'PReLU "p": alpha needs a known size on every axis it is not shared along'),
])
def test_bad_prelu_arguments_raise_errors_naming_the_layer(build, message):
    with pytest.raises(ValueError, match=message):
        build()
