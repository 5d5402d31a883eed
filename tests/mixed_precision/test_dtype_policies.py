"""``kerasette.dtype_policies`` and ``kerasette.mixed_precision`` against the real Keras 3:
the policies' dtypes and serialized form, the global policy, and a layer's dtypes and config
under each policy."""

import numpy as np
import pytest

import kerasette

POLICIES = ("float32", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16")


def describe(policy):
    return (policy.name, policy.compute_dtype, policy.variable_dtype, repr(policy))


@pytest.mark.parametrize("name", POLICIES)
def test_policies_match_keras(keras, name):
    ours, theirs = kerasette.dtype_policies.get(name), keras.dtype_policies.get(name)
    assert describe(ours) == describe(theirs)
    serialized = keras.dtype_policies.serialize(theirs)
    assert kerasette.dtype_policies.serialize(ours) == serialized
    assert describe(kerasette.dtype_policies.deserialize(serialized)) == describe(theirs)
    assert describe(kerasette.dtype_policies.get(serialized)) == describe(theirs)
    assert describe(kerasette.DTypePolicy(name)) == describe(keras.DTypePolicy(name))


def test_the_mixed_precision_namespace_matches_keras(keras):
    public = {n for n in dir(keras.mixed_precision) if not n.startswith("_")}
    assert public <= set(dir(kerasette.mixed_precision))
    for K in (keras, kerasette):
        assert K.mixed_precision.global_policy().name == "float32"
        K.mixed_precision.set_global_policy("mixed_bfloat16")
        assert K.mixed_precision.dtype_policy().name == "mixed_bfloat16"
        assert K.layers.Dense(2).dtype_policy.name == "mixed_bfloat16"
        K.mixed_precision.set_dtype_policy(K.mixed_precision.Policy("mixed_float16"))
        assert K.mixed_precision.global_policy().name == "mixed_float16"
        K.config.set_dtype_policy("float16")  # keras.config has the pair too
        assert K.config.dtype_policy().name == "float16"
        K.utils.clear_session()  # forgets the global policy, as Keras 3's does
        assert K.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize("name", POLICIES)
def test_a_layer_has_keras_dtypes_and_config(keras, name):
    def record(K):
        given = K.layers.Dense(3, dtype=name)
        by_policy = K.layers.Dense(3, dtype=K.DTypePolicy(name))
        K.mixed_precision.set_global_policy(name)
        by_global = K.layers.Dense(3)
        K.mixed_precision.set_global_policy("float32")
        return [(layer.dtype, layer.compute_dtype, layer.variable_dtype,
                 layer.get_config()["dtype"]) for layer in (given, by_policy, by_global)]

    assert record(kerasette) == record(keras)


def test_a_keras_layer_config_loads_with_its_policy(keras):
    config = keras.layers.Dense(3, dtype="mixed_float16").get_config()
    layer = kerasette.layers.Dense.from_config(config)
    assert (layer.compute_dtype, layer.variable_dtype) == ("float16", "float32")
    assert layer.get_config()["dtype"] == config["dtype"]


def test_an_unknown_policy_is_refused_with_the_layer_name():
    with pytest.raises(ValueError, match=r'Dense "wide".*mixed_float8.*mixed_float16'):
        kerasette.layers.Dense(3, dtype="mixed_float8", name="wide")


def test_weights_are_made_in_the_variable_dtype(backend):
    layer = kerasette.layers.Dense(3, dtype="mixed_float16")
    layer.build((None, 4))
    assert [w.dtype for w in layer.weights] == ["float32", "float32"]
    assert np.asarray(layer.kernel).dtype == np.float32
