"""The shared layer test, run over every layer of ``kerasette.layers`` on every backend.

For each :class:`~layer_test_case.LayerCase`:

- shapes: the output has the shape ``compute_output_shape`` promises, and calling the
  layer on ``kerasette.Input`` gives the same symbolic shape (batch left free);
- weights: the same count, shapes, trainable/non-trainable split and ``count_params()``
  as the real Keras layer with the same arguments;
- forward values match Keras given the same weights (moving statistics included, for
  layers that update them), and match across backends;
- gradients with respect to the inputs and the trainable weights match across backends
  (numpy engine vs JAX, both through ``kerasette.GradientTape``);
- config: ``from_config(get_config())`` gives an equal config, and the config has the
  keys Keras writes;
- a short ``fit`` of a tiny model around the layer lowers the loss.
"""

import inspect

import numpy as np
import pytest

import kerasette
import kerasette.layers
from backend_availability import unavailable
from kerasette.layers.input_layer import InputLayer
from kerasette.layers.layer import Layer
from kerasette.serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from layer_test_case import (
    LayerCase,
    assert_close,
    built_layer,
    call,
    forward_and_gradients,
    keras_reference,
    random_weights,
    tiny_model,
    weight_signature,
)

# Keras's own Variable.__array__ warns under numpy 2; nothing of kerasette's
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

PAIR = [(2, 3), (2, 3)]


@pytest.fixture(params=["numpy", "cupy"])
def backend(request):
    """The engine's backends, each active for the test in turn. The jax backend is left out
    of this file's comparisons with Keras: test_forward_and_gradients_match_across_backends
    checks its outputs, gradients and updated statistics against the numpy engine's for
    every case, and the numpy engine's are checked against Keras here (Keras's side, run
    again for a second backend, is what these tests spend their time on)."""
    reason = unavailable(request.param, request.node.get_closest_marker("standin") is not None)
    if reason:
        pytest.skip(reason)
    with kerasette.backend.use(request.param) as active:
        yield active

_RNN_INIT = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros"}
_RNN_FIT = "tests/layers/test_recurrent.py::test_masks_and_dropout_compiled"

CASES = [
    # core
    LayerCase("Dense", {"units": 3}, (2, 4)),
    LayerCase("Dense", {"units": 3, "activation": "tanh"}, (2, 3, 4), id="Dense-3d-tanh"),
    LayerCase("Activation", {"activation": "tanh"}, (2, 4)),
    LayerCase("Dropout", {"rate": 0.5, "seed": 1}, (2, 4), random_in_training=True),
    LayerCase("Embedding", {"input_dim": 6, "output_dim": 3}, (2, 4), integer_inputs=6),
    LayerCase("Embedding", {"input_dim": 6, "output_dim": 3, "mask_zero": True}, (2, 4),
              integer_inputs=6, id="Embedding-mask_zero"),
    LayerCase("Masking", {"mask_value": 0.0}, (2, 3, 4)),
    LayerCase("Identity", {}, (2, 4)),
    # tensors' Python operators: the same function runs on Keras's tensors, and GradientTape
    # must see the operators on every backend
    LayerCase("Lambda", {"function": lambda x: x * 2.0 + 1.0}, (2, 4), config_round_trip=False),
    # reshaping
    LayerCase("Flatten", {}, (2, 3, 4)),
    LayerCase("Flatten", {"data_format": "channels_first"}, (2, 3, 2, 2),
              id="Flatten-channels_first"),
    LayerCase("Reshape", {"target_shape": (4, 3)}, (2, 3, 4)),
    LayerCase("Permute", {"dims": (2, 1)}, (2, 3, 4)),
    LayerCase("RepeatVector", {"n": 3}, (2, 4)),
    LayerCase("ZeroPadding1D", {"padding": (1, 2)}, (2, 4, 3)),
    LayerCase("ZeroPadding2D", {"padding": ((1, 0), (2, 1))}, (2, 3, 4, 2)),
    LayerCase("ZeroPadding2D", {"padding": 1, "data_format": "channels_first"}, (2, 2, 3, 4),
              id="ZeroPadding2D-channels_first"),
    LayerCase("Cropping1D", {"cropping": (1, 2)}, (2, 6, 3)),
    LayerCase("Cropping2D", {"cropping": ((1, 0), (2, 1))}, (2, 4, 5, 2)),
    LayerCase("Cropping2D", {"cropping": 1, "data_format": "channels_first"}, (2, 2, 4, 4),
              id="Cropping2D-channels_first"),
    LayerCase("UpSampling1D", {"size": 3}, (2, 3, 2)),
    LayerCase("UpSampling2D", {"size": (2, 3)}, (2, 3, 2, 2)),
    LayerCase("UpSampling2D", {"size": 2, "interpolation": "bilinear",
                               "data_format": "channels_first"}, (2, 2, 3, 3),
              id="UpSampling2D-bilinear-channels_first"),
    LayerCase("UpSampling3D", {"size": (1, 2, 3)}, (2, 2, 2, 2, 2)),
    LayerCase("ZeroPadding3D", {"padding": ((1, 0), (0, 2), 1)}, (2, 2, 2, 2, 2)),
    LayerCase("Cropping3D", {"cropping": ((1, 0), (0, 2), 1), "data_format": "channels_first"},
              (2, 2, 3, 4, 4)),
    # activations
    LayerCase("ReLU", {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}, (2, 5)),
    LayerCase("LeakyReLU", {"negative_slope": 0.2}, (2, 5)),
    LayerCase("Softmax", {"axis": 1}, (2, 3, 4)),
    LayerCase("ELU", {"alpha": 0.5}, (2, 5)),
    LayerCase("PReLU", {"shared_axes": [1]}, (2, 3, 4)),
    # merging
    LayerCase("Add", {}, PAIR),
    LayerCase("Subtract", {}, PAIR),
    LayerCase("Multiply", {}, PAIR),
    LayerCase("Average", {}, PAIR),
    LayerCase("Maximum", {}, PAIR),
    LayerCase("Minimum", {}, PAIR),
    LayerCase("Concatenate", {"axis": 1}, [(2, 3), (2, 2)]),
    LayerCase("Dot", {"axes": (2, 1), "normalize": True}, [(2, 3, 4), (2, 4, 5)]),
    # preprocessing
    LayerCase("Rescaling", {"scale": 0.5, "offset": 1.0}, (2, 4)),
    LayerCase("Normalization", {}, (2, 3)),
    LayerCase("Normalization", {"axis": 1, "mean": [0.5, 1.0], "variance": [2.0, 4.0]},
              (2, 2, 3), id="Normalization-given-statistics"),
    # preprocessing: categorical and text (the Keras twins of the hashing, lookup and text
    # layers need TensorFlow: their outputs are checked against Keras's documented examples in
    # test_preprocessing_categorical.py; string layers work on the host, outside a model's
    # train step, as Keras 3 recommends)
    LayerCase("CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, (2, 3),
              integer_inputs=4),
    LayerCase("CategoryEncoding", {"num_tokens": 3, "output_mode": "one_hot"}, (2, 3),
              integer_inputs=3, id="CategoryEncoding-one_hot"),
    LayerCase("Discretization", {"bin_boundaries": [0.5, 1.5, 2.5]}, (2, 3), integer_inputs=4),
    LayerCase("Discretization", {"bin_boundaries": [0.5, 1.5], "output_mode": "multi_hot"},
              (2, 3), integer_inputs=3, id="Discretization-multi_hot"),
    LayerCase("Hashing", {"num_bins": 5}, (2, 3), integer_inputs=50, keras=False),
    LayerCase("HashedCrossing", {"num_bins": 7}, [(2, 1), (2, 1)], integer_inputs=10,
              keras=False),
    LayerCase("IntegerLookup", {"vocabulary": [1, 3, 5], "output_mode": "multi_hot"}, (2, 3),
              integer_inputs=6, keras=False),
    LayerCase("StringLookup", {"vocabulary": ["a", "b", "c"]}, (2, 3),
              string_inputs=("a", "b", "c", "z"), keras=False,
              fit_skip="string inputs: the layer is applied to the data, not in the train step"),
    LayerCase("TextVectorization", {"vocabulary": ["the", "cat", "sat"],
                                    "output_sequence_length": 4}, (2, 1),
              string_inputs=("The cat sat.", "a dog", "the CAT"), keras=False,
              fit_skip="string inputs: the layer is applied to the data, not in the train step"),

    # preprocessing: image. The random layers are compared at inference (the identity) here,
    # as the regularization block's: their draws, Keras's fixed transformations and one
    # compiled fit are checked in test_image_preprocessing.py
    LayerCase("Resizing", {"height": 3, "width": 5, "interpolation": "bicubic"}, (2, 4, 4, 2)),
    LayerCase("CenterCrop", {"height": 2, "width": 3, "data_format": "channels_first"},
              (2, 2, 4, 4)),
    *[LayerCase(name, config, (2, 4, 4, 3), random_in_training=True,
                jax_fit_elsewhere="test_image_preprocessing.py::test_augmenting_model_trains")
      for name, config in [
          ("RandomFlip", {"seed": 1}),
          ("RandomCrop", {"height": 4, "width": 4, "seed": 1}),
          ("RandomRotation", {"factor": 0.2, "seed": 1}),
          ("RandomZoom", {"height_factor": 0.2, "seed": 1}),
          ("RandomTranslation", {"height_factor": 0.2, "width_factor": 0.1, "seed": 1}),
          ("RandomContrast", {"factor": 0.3, "seed": 1}),
          ("RandomBrightness", {"factor": 0.2, "seed": 1}),
          ("RandomGrayscale", {"factor": 0.5, "seed": 1}),
          ("RandomInvert", {"factor": 0.5, "seed": 1})]],

    # convolution
    LayerCase("Conv1D", {"filters": 4, "kernel_size": 3}, (2, 6, 3)),
    LayerCase("Conv1D", {"filters": 4, "kernel_size": 2, "padding": "causal",
                         "dilation_rate": 2, "activation": "relu"}, (2, 6, 3),
              id="Conv1D-causal-dilated"),
    LayerCase("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
                         "groups": 2, "data_format": "channels_first"}, (2, 4, 7),
              id="Conv1D-groups-channels_first"),
    LayerCase("Conv2D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
              (2, 5, 5, 2)),
    LayerCase("Conv2D", {"filters": 4, "kernel_size": (2, 3), "groups": 2, "use_bias": False,
                         "data_format": "channels_first"}, (2, 4, 4, 5),
              id="Conv2D-groups-channels_first"),
    LayerCase("Conv2D", {"filters": 2, "kernel_size": 2, "dilation_rate": 2}, (2, 5, 5, 2),
              id="Conv2D-dilated"),
    LayerCase("Conv3D", {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"},
              (2, 3, 4, 4, 2)),
    LayerCase("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, "padding": "same"},
              (2, 6, 3)),
    LayerCase("DepthwiseConv2D", {"kernel_size": (2, 3), "depth_multiplier": 2,
                                  "dilation_rate": 2, "data_format": "channels_first"},
              (2, 3, 5, 6)),
    LayerCase("SeparableConv1D", {"filters": 4, "kernel_size": 3, "depth_multiplier": 2,
                                  "strides": 2}, (2, 7, 3)),
    LayerCase("SeparableConv2D", {"filters": 3, "kernel_size": 2, "padding": "same",
                                  "activation": "tanh"}, (2, 5, 5, 2)),
    LayerCase("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 4, 3)),
    LayerCase("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2,
                                  "padding": "same"}, (2, 3, 3, 2)),
    LayerCase("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2,
                                  "output_padding": 1, "data_format": "channels_first"},
              (2, 2, 3, 3), id="Conv2DTranspose-output_padding-channels_first"),
    LayerCase("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2,
                                  "data_format": "channels_first"}, (2, 2, 2, 2, 3)),
    # pooling
    LayerCase("MaxPooling1D", {"pool_size": 2}, (2, 5, 3)),
    LayerCase("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 5, 5, 2)),
    LayerCase("MaxPooling2D", {"pool_size": (2, 2), "data_format": "channels_first"},
              (2, 2, 4, 5), id="MaxPooling2D-channels_first"),
    LayerCase("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 5, 3)),
    LayerCase("AveragePooling2D", {"pool_size": 2}, (2, 4, 5, 2)),
    LayerCase("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same",
                                   "data_format": "channels_first"}, (2, 2, 5, 5),
              id="AveragePooling2D-same-channels_first"),
    LayerCase("GlobalAveragePooling1D", {}, (2, 4, 3)),
    LayerCase("GlobalAveragePooling2D", {"keepdims": True}, (2, 3, 4, 2)),
    LayerCase("GlobalMaxPooling1D", {"data_format": "channels_first"}, (2, 3, 4)),
    LayerCase("GlobalMaxPooling2D", {}, (2, 3, 4, 2)),
    LayerCase("MaxPooling3D", {"pool_size": 2}, (2, 4, 4, 4, 2)),
    LayerCase("AveragePooling3D", {"pool_size": 3, "strides": 2, "padding": "same",
                                   "data_format": "channels_first"}, (2, 2, 4, 4, 4)),
    LayerCase("GlobalMaxPooling3D", {"data_format": "channels_first"}, (2, 2, 3, 3, 3)),
    LayerCase("GlobalAveragePooling3D", {"keepdims": True}, (2, 3, 3, 3, 2)),
    # regularization: random layers are compared at inference (the identity) here; their
    # training statistics, seeding and one compiled fit of all of them are checked in
    # test_regularization.py
    *[LayerCase(name, config, shape, random_in_training=True,
                jax_fit_elsewhere="test_regularization.py::test_random_layers_train")
      for name, config, shape in [
          ("SpatialDropout1D", {"rate": 0.5, "seed": 1}, (2, 4, 3)),
          ("SpatialDropout2D", {"rate": 0.5, "seed": 1, "data_format": "channels_first"},
           (2, 3, 2, 2)),
          ("SpatialDropout3D", {"rate": 0.5, "seed": 1}, (2, 2, 2, 2, 3)),
          ("GaussianNoise", {"stddev": 0.5, "seed": 1}, (2, 4)),
          ("GaussianDropout", {"rate": 0.5, "seed": 1}, (2, 4)),
          ("AlphaDropout", {"rate": 0.5, "seed": 1}, (2, 4))]],
    LayerCase("ActivityRegularization", {"l1": 0.01, "l2": 0.02}, (2, 4)),
    # normalization
    LayerCase("BatchNormalization", {}, (4, 3), training=(False, True)),
    LayerCase("BatchNormalization", {"axis": 1, "momentum": 0.8, "center": False},
              (4, 3, 2, 2), training=(False, True), id="BatchNormalization-axis1"),
    LayerCase("BatchNormalization", {"renorm": True, "renorm_clipping": {"rmax": 1.2, "dmax": 0.5},
                                     "renorm_momentum": 0.9}, (6, 3), training=(False, True),
              id="BatchNormalization-renorm",
              fit_skip="renormalization changes the training-mode function at every step (the "
                       "real Keras's training loss rises in 3 of 10 seeds of this short fit); "
                       "its values are checked against Keras instead"),
    LayerCase("LayerNormalization", {}, (2, 4)),
    LayerCase("LayerNormalization", {"axis": [1, 2], "scale": False}, (2, 3, 4),
              id="LayerNormalization-two-axes"),
    # a training call assigns the normalized kernel and the new vector_u (compared as the
    # moving statistics are)
    LayerCase("SpectralNormalization", {"power_iterations": 2}, (2, 4),
              wrapped=("Dense", {"units": 3}), training=(False, True)),
    # normalization (group, RMS, unit), EinsumDense and attention
    LayerCase("GroupNormalization", {"groups": 2, "axis": 1}, (2, 4, 3)),
    LayerCase("RMSNormalization", {"axis": [1, 2]}, (2, 3, 4)),
    LayerCase("UnitNormalization", {"axis": [1, 2]}, (2, 3, 4)),
    LayerCase("EinsumDense", {"equation": "abc,cde->abde", "output_shape": (None, 2, 3),
                              "bias_axes": "de", "activation": "tanh"}, (2, 3, 4)),
    LayerCase("Attention", {"use_scale": True, "score_mode": "concat"}, [(2, 3, 4), (2, 2, 4)]),
    LayerCase("AdditiveAttention", {}, [(2, 3, 4), (2, 2, 4), (2, 2, 4)]),
    LayerCase("MultiHeadAttention", {"num_heads": 2, "key_dim": 2, "output_shape": 3},
              [(2, 3, 4), (2, 2, 4)], positional_inputs=True,
              jax_fit_elsewhere="tests/models/test_transformer.py::test_transformer_trains"),
    LayerCase("GroupQueryAttention", {"head_dim": 2, "num_query_heads": 2,
                                      "num_key_value_heads": 1}, [(2, 3, 4), (2, 3, 4)],
              positional_inputs=True),

    # recurrent (zero initial kernels: Keras's orthogonal initializer compiles a QR
    # decomposition per shape, seconds per layer; every check sets its own weights); jax
    # fits them all in one compiled model in test_recurrent.py
    LayerCase("SimpleRNN", {"units": 3, **_RNN_INIT}, (2, 3, 4), jax_fit_elsewhere=_RNN_FIT),
    LayerCase("LSTM", {"units": 3, "return_sequences": True, **_RNN_INIT}, (2, 3, 4),
              jax_fit_elsewhere=_RNN_FIT),
    LayerCase("GRU", {"units": 3, **_RNN_INIT}, (2, 3, 4), jax_fit_elsewhere=_RNN_FIT),
    LayerCase("RNN", {"go_backwards": True}, (2, 3, 4), wrapped_argument="cell",
              wrapped=[("LSTMCell", {"units": 3, **_RNN_INIT}),
                       ("GRUCell", {"units": 2, "reset_after": False, **_RNN_INIT})],
              jax_fit_elsewhere=_RNN_FIT),
    LayerCase("Bidirectional", {"merge_mode": "ave"}, (2, 3, 4), jax_fit_elsewhere=_RNN_FIT,
              wrapped=("SimpleRNN", {"units": 2, "return_sequences": True, **_RNN_INIT})),
    LayerCase("TimeDistributed", {}, (2, 3, 4), wrapped=("Dense", {"units": 2}),
              jax_fit_elsewhere=_RNN_FIT),
    LayerCase("ConvLSTM1D", {"filters": 2, "kernel_size": 2, **_RNN_INIT}, (2, 2, 4, 2),
              jax_fit_elsewhere=_RNN_FIT),
    LayerCase("ConvLSTM2D", {"filters": 2, "kernel_size": 2, "padding": "same",
                             "return_sequences": True, **_RNN_INIT}, (2, 2, 3, 3, 1),
              jax_fit_elsewhere=_RNN_FIT),
    LayerCase("ConvLSTM3D", {"filters": 1, "kernel_size": 1, **_RNN_INIT}, (2, 2, 2, 2, 2, 1),
              jax_fit_elsewhere=_RNN_FIT),
]

CASE_IDS = [case.id for case in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS), "case ids must be unique"
KERAS_CASES = [case for case in CASES if case.keras]


def _cases(cases):
    return pytest.mark.parametrize("case", cases, ids=[case.id for case in cases])


def test_every_layer_has_a_case():
    """Each public layer class of ``kerasette.layers`` is exercised by at least one case."""
    classes = {obj for name, obj in vars(kerasette.layers).items()
               if inspect.isclass(obj) and issubclass(obj, Layer) and not name.startswith("_")}
    classes -= {Layer, InputLayer}
    # a case covers its layer's class and those of the layers it makes (an LSTM's cell)
    covered = {type(layer) for case in CASES for layer in _with_sublayers(case.make())}
    missing = sorted(cls.__name__ for cls in classes - covered)
    assert not missing, f"layers without a case in CASES: {missing}"


def _with_sublayers(layer):
    """``layer`` and every layer it holds, at any depth."""
    layers = [layer]
    for sublayer in layer._layers:
        layers.extend(_with_sublayers(sublayer))
    return layers


# ---------------------------------------------------------------------------- shapes
@_cases(CASES)
def test_output_shape(backend, case):
    inputs = case.inputs()
    layer = case.make()
    output = case.apply(layer, inputs)
    shapes = [x.shape for x in inputs] if case.multi_input else inputs.shape
    assert tuple(np.shape(output)) == tuple(case.output_shape(layer, shapes))

    symbolic = case.apply(case.make(), case.symbolic_inputs())
    expected = (None,) + tuple(np.shape(output))[1:]
    assert tuple(symbolic.shape) == expected


# ---------------------------------------------------------------------------- weights vs Keras
@_cases(KERAS_CASES)
def test_weights_match_keras(backend, case, keras):
    reference = keras_reference(case, keras)
    layer = case.make()
    case.apply(layer, case.inputs())
    trainable = {id(v) for v in layer.trainable_weights}
    ours = [(v.path.split("/")[-1], tuple(v.shape), id(v) in trainable) for v in layer.weights]
    assert ours == reference["weights"]
    assert len(layer.non_trainable_weights) == sum(not t for _, _, t in reference["weights"])
    assert layer.count_params() == reference["count_params"]


# ---------------------------------------------------------------------------- forward vs Keras
@_cases(KERAS_CASES)
def test_forward_matches_keras(backend, case, keras):
    reference = keras_reference(case, keras)
    inputs = case.inputs()
    for training in case.training:
        layer = built_layer(case, inputs, reference["values"])
        assert_close(call(case, layer, inputs, training), reference["outputs"][training],
                     f"output (training={training})")
        # moving statistics updated while training must agree too
        for variable, value in zip(layer.weights, reference["weights_after"][training]):
            assert_close(variable.numpy(), value, f"{variable.path} after the call")


# ---------------------------------------------------------------------------- across backends
@_cases(CASES)
def test_forward_and_gradients_match_across_backends(case):
    try:
        kerasette.backend.get_backend("jax")
    except ImportError as error:
        pytest.skip(f"the jax backend is not available: {error}")
    inputs = case.inputs()
    with kerasette.backend.use("numpy"):
        layer = case.make()
        case.apply(layer, inputs)
        weights = random_weights(weight_signature(layer))
    for training in case.training:
        numpy_result = forward_and_gradients(case, "numpy", inputs, weights, training)
        jax_result = forward_and_gradients(case, "jax", inputs, weights, training)
        for what, ours, reference in zip(("output", "input gradients", "weight gradients",
                                          "weights after"), numpy_result, jax_result):
            if isinstance(reference, list):
                assert len(ours) == len(reference), what
                for index, (a, b) in enumerate(zip(ours, reference)):
                    assert (a is None) == (b is None), f"{what}[{index}]: None on one side only"
                    if b is not None:
                        assert_close(a, b, f"{what}[{index}] (training={training})")
            else:
                assert_close(ours, reference, f"{what} (training={training})")


# ---------------------------------------------------------------------------- config
@_cases([case for case in CASES if case.config_round_trip])
def test_config_round_trip(backend, case):
    layer = case.make()
    case.apply(layer, case.inputs())
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    # and through Keras's serialized form (what model files hold)
    restored = deserialize_keras_object(serialize_keras_object(layer))
    assert type(restored) is type(layer)
    assert restored.get_config() == config


@_cases(KERAS_CASES)
def test_config_keys_match_keras(case, keras):
    ours_keys = set(case.make().get_config())
    keras_keys = set(keras_reference(case, keras)["config_keys"])
    if case.name == "Dense":
        # Keras 3.15 leaves activity_regularizer out of Dense's config (its constructor takes
        # it); kerasette keeps it, so the config recreates the layer exactly
        ours_keys -= {"activity_regularizer"}
    assert ours_keys == keras_keys


@_cases([case for case in KERAS_CASES if case.name != "Lambda"])
def test_loads_the_keras_config(case, keras):
    """A layer config written by Keras 3 (what a ``.keras`` file holds) recreates the layer."""
    keras_config = case.make_keras(keras).get_config()
    layer = getattr(kerasette.layers, case.name).from_config(keras_config)
    expected = case.make().get_config()
    config = layer.get_config()
    for names in (expected, config):  # generated names differ (the wrapped layers' too)
        del names["name"]
        if case.wrapped is not None:
            _drop_names(names)
    assert config == expected


def _drop_names(config):
    """Removes every ``"name"`` entry from the nested dicts and lists of ``config``."""
    if isinstance(config, dict):
        config.pop("name", None)
        for value in config.values():
            _drop_names(value)
    elif isinstance(config, list):
        for value in config:
            _drop_names(value)


# ---------------------------------------------------------------------------- a short fit
def _has_state(case):
    """Whether the layer of ``case`` holds variables (weights, moving statistics, random
    state), built on numpy."""
    with kerasette.backend.use("numpy"):
        layer = case.make()
        case.apply(layer, case.inputs())
        return bool(layer.variables)


def _fit_params():
    """Every case on numpy (fits there take milliseconds); on jax, where each model's train
    step is compiled (about a second), the cases whose layer holds state, unless the case
    says its compiled fit is checked elsewhere (``jax_fit_elsewhere``): a stateless
    layer's gradients on jax are checked by the cross-backend test. A case with a
    ``fit_skip`` reason is a visible skip with that reason."""
    params = []
    for case in CASES:
        marks = [pytest.mark.skip(reason=f"{case.id}: {case.fit_skip}")] if case.fit_skip else []
        params.append(pytest.param("numpy", case, id=f"numpy-{case.id}", marks=marks))
        if not case.jax_fit_elsewhere and _has_state(case):
            params.append(pytest.param("jax", case, id=f"jax-{case.id}", marks=marks))
    return params


@pytest.mark.parametrize("backend_name,case", _fit_params())
def test_fit_lowers_the_loss(backend_name, case):
    """A short fit of the tiny model around the layer lowers the loss; a compile or fit that
    raises fails the test (a trainer that cannot train is a failure, never an expected one)."""
    try:
        kerasette.backend.get_backend(backend_name)
    except ImportError as error:
        pytest.skip(f"the {backend_name} backend is not available: {error}")
    with kerasette.backend.use(backend_name):
        kerasette.utils.set_random_seed(0)
        model = tiny_model(case)
        model.compile(optimizer="adam", loss="mse")
        x = case.inputs(seed=4, batch_size=16)
        y = np.random.default_rng(3).normal(size=(16, 2)).astype("float32")
        # full-batch steps: the training loss is deterministic and falls at every small step
        # (batch statistics included); a layer that draws random numbers while training is
        # judged on the inference loss instead
        if case.random_in_training:
            before = model.evaluate(x, y, verbose=0)
        history = model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0)
        losses = history.history["loss"]
        if case.random_in_training:
            losses = [before, model.evaluate(x, y, verbose=0)]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0], losses

