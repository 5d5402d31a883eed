"""Every public class of every namespace survives its config: ``from_config(get_config())``
gives an equal config, through JSON as a file stores it.

The test walks the classes of each namespace (layers, models, losses, optimizers,
metrics, initializers, regularizers, constraints, learning-rate schedules), so a new
class without an entry in the argument tables below fails ``test_every_class_is_covered``.
Arguments differ from the defaults where they can, so that a key ``get_config`` forgot
would show. Layers must also compute the same outputs once the weights are copied;
losses, schedules, regularizers and constraints the same values.
"""

import functools
import inspect
import json

import numpy as np
import pytest

import kerasette
from kerasette import (constraints, initializers, layers, losses, metrics, models, optimizers,
                       regularizers)
from kerasette.optimizers import schedules
from kerasette.saving import deserialize_keras_object, serialize_keras_object

# name -> (constructor arguments, input shape(s); None: config only)
LAYERS = {
    "Activation": ({"activation": "tanh"}, (2, 5)),
    "Add": ({}, [(2, 5), (2, 5)]),
    "Average": ({}, [(2, 5), (2, 5)]),
    "Concatenate": ({"axis": 1}, [(2, 5), (2, 3)]),
    "Maximum": ({}, [(2, 5), (2, 5)]),
    "Minimum": ({}, [(2, 5), (2, 5)]),
    "Multiply": ({}, [(2, 5), (2, 5)]),
    "Subtract": ({}, [(2, 5), (2, 5)]),
    "AveragePooling1D": ({"pool_size": 2, "strides": 1, "padding": "same"}, (2, 6, 3)),
    "AveragePooling2D": ({"pool_size": (2, 2), "padding": "valid"}, (2, 6, 6, 3)),
    "MaxPooling1D": ({"pool_size": 3, "strides": 2}, (2, 7, 3)),
    "MaxPooling2D": ({"pool_size": (2, 3), "padding": "same"}, (2, 6, 6, 3)),
    "GlobalAveragePooling1D": ({"keepdims": True}, (2, 6, 3)),
    "GlobalAveragePooling2D": ({}, (2, 4, 4, 3)),
    "GlobalMaxPooling1D": ({}, (2, 6, 3)),
    "GlobalMaxPooling2D": ({"keepdims": True}, (2, 4, 4, 3)),
    "BatchNormalization": ({"momentum": 0.9, "epsilon": 0.01, "center": False}, (2, 5)),
    "LayerNormalization": ({"epsilon": 0.01, "center": False}, (2, 5)),
    "Normalization": ({"mean": 2.0, "variance": 4.0}, (2, 5)),
    "Conv1D": ({"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
               (2, 7, 3)),
    "Conv1DTranspose": ({"filters": 2, "kernel_size": 3, "strides": 2}, (2, 5, 3)),
    "Conv2D": ({"filters": 4, "kernel_size": (3, 2), "use_bias": False,
                "kernel_regularizer": "l2"}, (2, 6, 6, 3)),
    "Conv2DTranspose": ({"filters": 2, "kernel_size": 3, "padding": "same", "strides": 2},
                        (2, 4, 4, 3)),
    "Cropping1D": ({"cropping": (1, 2)}, (2, 7, 3)),
    "Cropping2D": ({"cropping": ((1, 0), (0, 2))}, (2, 6, 6, 3)),
    "ZeroPadding1D": ({"padding": 2}, (2, 4, 3)),
    "ZeroPadding2D": ({"padding": ((1, 0), (2, 1))}, (2, 4, 4, 3)),
    "UpSampling1D": ({"size": 3}, (2, 4, 3)),
    "UpSampling2D": ({"size": (2, 1)}, (2, 4, 4, 3)),
    "Dense": ({"units": 4, "activation": "sigmoid", "kernel_initializer": "he_normal",
               "bias_constraint": "non_neg"}, (2, 5)),
    "Dropout": ({"rate": 0.3, "seed": 3}, (2, 5)),
    "Embedding": ({"input_dim": 10, "output_dim": 3}, "int"),
    "Masking": ({"mask_value": 0.5}, (2, 3, 4)),
    "Flatten": ({}, (2, 3, 4)),
    "Permute": ({"dims": (2, 1)}, (2, 3, 4)),
    "RepeatVector": ({"n": 3}, (2, 5)),
    "Reshape": ({"target_shape": (4, 3)}, (2, 12)),
    "Rescaling": ({"scale": 0.5, "offset": 1.0}, (2, 5)),
    "LeakyReLU": ({"negative_slope": 0.2}, (2, 5)),
    "ReLU": ({"max_value": 2.0, "threshold": 0.1}, (2, 5)),
    "Softmax": ({"axis": 1}, (2, 5)),
    "Conv3D": ({"filters": 2, "kernel_size": (2, 1, 2), "strides": 2, "groups": 2},
               (2, 4, 4, 4, 2)),
    "Conv3DTranspose": ({"filters": 2, "kernel_size": 2, "output_padding": 1, "strides": 2},
                        (2, 2, 2, 2, 3)),
    "DepthwiseConv1D": ({"kernel_size": 3, "depth_multiplier": 2, "depthwise_regularizer": "l2"},
                        (2, 6, 3)),
    "DepthwiseConv2D": ({"kernel_size": 2, "padding": "same", "use_bias": False},
                        (2, 4, 4, 3)),
    "SeparableConv1D": ({"filters": 4, "kernel_size": 2, "depth_multiplier": 2,
                         "pointwise_initializer": "he_normal"}, (2, 6, 3)),
    "SeparableConv2D": ({"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                         "pointwise_constraint": "non_neg"}, (2, 5, 5, 3)),
    "MaxPooling3D": ({"pool_size": (2, 1, 2), "padding": "same"}, (2, 3, 4, 4, 2)),
    "AveragePooling3D": ({"pool_size": 2, "strides": 1}, (2, 3, 3, 3, 2)),
    "GlobalMaxPooling3D": ({"keepdims": True}, (2, 3, 3, 3, 2)),
    "GlobalAveragePooling3D": ({"data_format": "channels_first"}, (2, 2, 3, 3, 3)),
    "UpSampling3D": ({"size": (2, 1, 1)}, (2, 2, 2, 2, 3)),
    "ZeroPadding3D": ({"padding": ((1, 0), (0, 2), (2, 1))}, (2, 2, 2, 2, 3)),
    "Cropping3D": ({"cropping": ((1, 0), (0, 1), (1, 1))}, (2, 3, 3, 4, 2)),
    "ELU": ({"alpha": 0.3}, (2, 5)),
    "PReLU": ({"alpha_initializer": "ones", "shared_axes": [1, 2]}, (2, 3, 4, 5)),
    "Identity": ({}, (2, 5)),
    "Dot": ({"axes": [1, 1], "normalize": True}, [(2, 5), (2, 5)]),
    "SpatialDropout1D": ({"rate": 0.3, "seed": 2}, (2, 4, 3)),
    "SpatialDropout2D": ({"rate": 0.3, "data_format": "channels_first"}, (2, 3, 4, 4)),
    "SpatialDropout3D": ({"rate": 0.3, "seed": 4}, (2, 2, 2, 2, 3)),
    "GaussianNoise": ({"stddev": 0.2, "seed": 1}, (2, 5)),
    "GaussianDropout": ({"rate": 0.2, "seed": 1}, (2, 5)),
    "AlphaDropout": ({"rate": 0.2, "noise_shape": (None, 1), "seed": 1}, (2, 5)),
    "ActivityRegularization": ({"l1": 0.1, "l2": 0.2}, (2, 5)),
    "GroupNormalization": ({"groups": 2, "epsilon": 0.01, "scale": False}, (2, 3, 4)),
    "RMSNormalization": ({"axis": [1, 2], "epsilon": 1e-4}, (2, 3, 4)),
    "UnitNormalization": ({"axis": [1]}, (2, 5)),
    "EinsumDense": ({"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "c",
                     "activation": "relu"}, (2, 5)),
    "Attention": ({"use_scale": True, "score_mode": "concat", "dropout": 0.1}, [(2, 3, 4),
                                                                                  (2, 2, 4)]),
    "AdditiveAttention": ({"use_scale": False}, [(2, 3, 4), (2, 2, 4)]),
    # called as layer(query, value): their outputs are checked by tests/layers/
    "MultiHeadAttention": ({"num_heads": 2, "key_dim": 3, "output_shape": [4],
                            "attention_axes": [1], "use_gate": True}, None),
    "GroupedQueryAttention": ({"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2,
                               "sliding_window": 3}, None),
    # a partial is called for each test: a layer instance is built on one backend only
    "SpectralNormalization": ({"layer": functools.partial(layers.Conv2D, 2, 2),
                               "power_iterations": 3}, (2, 4, 4, 3)),
    # recurrent (dropout at inference is the identity, so outputs compare)
    "SimpleRNN": ({"units": 3, "return_sequences": True, "go_backwards": True}, (2, 4, 3)),
    "LSTM": ({"units": 3, "unit_forget_bias": False, "dropout": 0.1}, (2, 4, 3)),
    "GRU": ({"units": 3, "reset_after": False, "return_state": True}, None),
    "SimpleRNNCell": ({"units": 3, "activation": "relu"}, None),
    "LSTMCell": ({"units": 3, "recurrent_dropout": 0.2}, None),
    "GRUCell": ({"units": 2, "use_bias": False}, None),
    "RNN": ({"cell": functools.partial(layers.GRUCell, 3), "return_sequences": True},
            (2, 4, 3)),
    "StackedRNNCells": ({"cells": [layers.LSTMCell(2), layers.GRUCell(3)]}, None),
    "Bidirectional": ({"layer": functools.partial(layers.LSTM, 2, return_sequences=True),
                       "merge_mode": "sum"}, (2, 4, 3)),
    "TimeDistributed": ({"layer": functools.partial(layers.Dense, 2)}, (2, 4, 3)),
    "ConvLSTM1D": ({"filters": 2, "kernel_size": 2, "padding": "same"}, (2, 3, 5, 2)),
    "ConvLSTM2D": ({"filters": 2, "kernel_size": (2, 2), "return_sequences": True},
                   (2, 2, 4, 4, 1)),
    "ConvLSTM3D": ({"filters": 1, "kernel_size": 2}, None),
    # categorical and text preprocessing (strings: outputs in tests/layers/)
    "CategoryEncoding": ({"num_tokens": 6, "output_mode": "count"}, None),
    "Discretization": ({"bin_boundaries": [0.0, 0.5], "output_mode": "one_hot"}, (2, 5)),
    "Hashing": ({"num_bins": 4, "salt": 7}, None),
    "HashedCrossing": ({"num_bins": 5, "output_mode": "one_hot"}, None),
    "IntegerLookup": ({"vocabulary": [3, 5, 7], "num_oov_indices": 2}, None),
    "StringLookup": ({"vocabulary": ["a", "b"], "output_mode": "multi_hot"}, None),
    "TextVectorization": ({"max_tokens": 10, "ngrams": 2, "output_sequence_length": 4,
                           "vocabulary": ["the", "cat"]}, None),
    "InputLayer": ({"shape": (5,)}, None),
    "Layer": ({"trainable": False}, None),
    # image preprocessing (outputs at inference; RandomCrop's changes the shape only in
    # training, as in Keras 3)
    "Resizing": ({"height": 3, "width": 2, "interpolation": "nearest",
                  "pad_to_aspect_ratio": True, "fill_value": 1.0}, (2, 4, 5, 3)),
    "CenterCrop": ({"height": 2, "width": 3, "data_format": "channels_first"}, (2, 3, 4, 4)),
    "RandomFlip": ({"mode": "vertical", "seed": 1}, (2, 4, 5, 3)),
    "RandomRotation": ({"factor": (-0.1, 0.2), "fill_mode": "constant", "fill_value": 0.5,
                        "interpolation": "nearest", "seed": 1}, (2, 4, 5, 3)),
    "RandomZoom": ({"height_factor": 0.2, "width_factor": (-0.1, 0.3), "seed": 1},
                   (2, 4, 5, 3)),
    "RandomTranslation": ({"height_factor": 0.1, "width_factor": 0.2, "fill_mode": "wrap",
                           "data_format": "channels_first"}, (2, 3, 4, 5)),
    "RandomCrop": ({"height": 2, "width": 3, "seed": 1}, (2, 4, 5, 3)),
    "RandomContrast": ({"factor": (0.1, 0.3), "value_range": (0, 1)}, (2, 4, 5, 3)),
    "RandomBrightness": ({"factor": (-0.2, 0.2), "value_range": (-1, 1), "seed": 3}, (2, 4, 5, 3)),
    "RandomGrayscale": ({"factor": 0.3}, (2, 4, 5, 3)),
    "RandomInvert": ({"factor": (0.0, 0.5), "value_range": (0, 1)}, (2, 4, 5, 3)),
}
# classes that are not layers of their own, with the reason
LAYERS_LEFT_OUT = {
    "InputSpec": "a description of inputs, not a layer",
    "Lambda": "its function is Python code: tests/saving/test_lambda_serialization.py checks its round trip",
}

LOSSES = {
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1},
    "BinaryFocalCrossentropy": {"gamma": 3.0, "apply_class_balancing": True},
    "CategoricalCrossentropy": {"label_smoothing": 0.2},
    "CategoricalFocalCrossentropy": {"alpha": 0.5, "gamma": 1.0},
    "CategoricalHinge": {},
    "CosineSimilarity": {"axis": 0},
    "Hinge": {},
    "Huber": {"delta": 0.5},
    "KLDivergence": {"reduction": "sum"},
    "LogCosh": {},
    "MeanAbsoluteError": {"name": "mae_loss"},
    "MeanAbsolutePercentageError": {},
    "MeanSquaredError": {"reduction": "sum"},
    "MeanSquaredLogarithmicError": {},
    "Poisson": {},
    "SparseCategoricalCrossentropy": {"from_logits": True},
    "SquaredHinge": {},
    "LossFunctionWrapper": {"fn": losses.mean_absolute_error, "name": "wrapped"},
    "CategoricalGeneralizedCrossEntropy": {"q": 0.3},
    "Dice": {"axis": [1]},
    "Tversky": {"alpha": 0.2, "beta": 0.8},
    "Circle": {"gamma": 40.0, "remove_diagonal": False},
    "CTC": {"reduction": "sum"},
}

OPTIMIZERS = {
    "Adadelta": {"learning_rate": 0.5, "rho": 0.9},
    "Adagrad": {"initial_accumulator_value": 0.2},
    "Adam": {"learning_rate": 0.003, "amsgrad": True, "clipnorm": 1.0},
    "AdamW": {"weight_decay": 0.01, "beta_2": 0.99},
    "Adamax": {"beta_1": 0.8},
    "Lion": {"beta_1": 0.95},
    "Nadam": {"epsilon": 1e-5, "use_ema": True},
    "RMSprop": {"rho": 0.8, "momentum": 0.1, "centered": True},
    "SGD": {"learning_rate": schedules.ExponentialDecay(0.1, 100, 0.5), "nesterov": True,
            "momentum": 0.9},
    "LossScaleOptimizer": {"inner_optimizer": optimizers.SGD(0.1, momentum=0.5),
                           "initial_scale": 256.0, "dynamic_growth_steps": 100},
    "Adafactor": {"relative_step": False, "clip_threshold": 2.0},
    "Ftrl": {"l1_regularization_strength": 0.1, "beta": 0.5},
    "Lamb": {"beta_1": 0.8},
    "Muon": {"exclude_embeddings": False, "ns_steps": 3, "rms_rate": None},
    "ScheduleFreeAdamW": {"warmup_steps": 10},
    "MultiOptimizer": {"optimizer_map": optimizers.OptimizerMap(
        optimizers.SGD(0.1), {"head/.*": optimizers.Adam(0.01)})},
    # its patterns travel inside MultiOptimizer's entry above
    "OptimizerMap": {"default_optimizer": optimizers.SGD(0.1)},
}

METRICS = {
    "AUC": {"num_thresholds": 50, "curve": "PR"},
    "Accuracy": {"name": "acc"},
    "BinaryAccuracy": {"threshold": 0.3},
    "BinaryCrossentropy": {"from_logits": True},
    "CategoricalAccuracy": {},
    "CategoricalCrossentropy": {"label_smoothing": 0.1},
    "CategoricalHinge": {},
    "CosineSimilarity": {"axis": 0},
    "F1Score": {"average": "macro", "threshold": 0.4},
    "FBetaScore": {"beta": 2.0},
    "FalseNegatives": {"thresholds": [0.3, 0.6]},
    "FalsePositives": {},
    "TrueNegatives": {},
    "TruePositives": {"thresholds": 0.7},
    "Hinge": {},
    "KLDivergence": {},
    "LogCoshError": {},
    "Mean": {"name": "average"},
    "Sum": {},
    "MeanAbsoluteError": {},
    "MeanAbsolutePercentageError": {},
    "MeanSquaredError": {},
    "MeanSquaredLogarithmicError": {},
    "RootMeanSquaredError": {},
    "Poisson": {},
    "Precision": {"top_k": 2},
    "Recall": {"thresholds": 0.4, "class_id": 1},
    "PrecisionAtRecall": {"recall": 0.6, "num_thresholds": 50},
    "RecallAtPrecision": {"precision": 0.7},
    "SensitivityAtSpecificity": {"specificity": 0.5},
    "SpecificityAtSensitivity": {"sensitivity": 0.4},
    "SparseCategoricalAccuracy": {},
    "SparseCategoricalCrossentropy": {"from_logits": True},
    "SparseTopKCategoricalAccuracy": {"k": 3},
    "TopKCategoricalAccuracy": {"k": 2},
    "SquaredHinge": {},
    "MeanMetricWrapper": {"fn": metrics.mean_squared_error, "name": "wrapped_mse"},
    "R2Score": {"class_aggregation": None, "num_regressors": 1},
    "PearsonCorrelation": {"axis": 0},
    "ConcordanceCorrelation": {},
    "IoU": {"num_classes": 3, "target_class_ids": [1], "ignore_class": 0},
    "MeanIoU": {"num_classes": 4, "sparse_y_pred": False},
    "BinaryIoU": {"threshold": 0.3},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [0, 2]},
    "OneHotMeanIoU": {"num_classes": 3, "dtype": "float32"},
}

INITIALIZERS = {
    "Constant": {"value": 0.3},
    "GlorotNormal": {"seed": 1},
    "GlorotUniform": {"seed": 2},
    "HeNormal": {"seed": 3},
    "HeUniform": {},
    "Identity": {"gain": 2.0},
    "LecunNormal": {"seed": 4},
    "LecunUniform": {},
    "Ones": {},
    "Zeros": {},
    "Orthogonal": {"gain": 0.5, "seed": 5},
    "RandomNormal": {"mean": 1.0, "stddev": 0.2, "seed": 6},
    "RandomUniform": {"minval": -2.0, "maxval": 3.0},
    "TruncatedNormal": {"stddev": 0.3, "seed": 7},
    "VarianceScaling": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"},
}

REGULARIZERS = {
    "L1": {"l1": 0.02},
    "L2": {"l2": 0.03},
    "L1L2": {"l1": 0.01, "l2": 0.04},
    "OrthogonalRegularizer": {"factor": 0.02, "mode": "columns"},
}

CONSTRAINTS = {
    "MaxNorm": {"max_value": 1.5, "axis": 1},
    "MinMaxNorm": {"min_value": 0.5, "max_value": 1.2, "rate": 0.5},
    "NonNeg": {},
    "UnitNorm": {"axis": 1},
}

SCHEDULES = {
    "CosineDecay": {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.1},
    "CosineDecayRestarts": {"initial_learning_rate": 0.1, "first_decay_steps": 20,
                            "t_mul": 1.5},
    "ExponentialDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                         "staircase": True},
    "InverseTimeDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    "PiecewiseConstantDecay": {"boundaries": [10, 20], "values": [0.1, 0.05, 0.01]},
    "PolynomialDecay": {"initial_learning_rate": 0.1, "decay_steps": 50, "power": 2.0},
}

# abstract bases: no config of their own to round-trip
ABSTRACT = {"Loss", "Optimizer", "Metric", "Initializer", "RandomInitializer", "Regularizer",
            "Constraint", "LearningRateSchedule"}

NAMESPACES = {
    "layers": (layers, {**LAYERS, **LAYERS_LEFT_OUT}),
    "losses": (losses, LOSSES),
    "optimizers": (optimizers, OPTIMIZERS),
    "metrics": (metrics, METRICS),
    "initializers": (initializers, INITIALIZERS),
    "regularizers": (regularizers, REGULARIZERS),
    "constraints": (constraints, CONSTRAINTS),
    "schedules": (schedules, SCHEDULES),
    "models": (models, {"Sequential": None, "Functional": None, "Model": None}),
}


def public_classes(module):
    """``{class: its name}`` for the public classes of ``module``, each once (aliases such
    as ``MaxPool2D`` and ``max_norm`` are the class under its own name)."""
    return {obj: obj.__name__ for name, obj in vars(module).items()
            if inspect.isclass(obj) and not name.startswith("_")}


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_every_class_is_covered(namespace):
    module, table = NAMESPACES[namespace]
    names = {name for name in public_classes(module).values() if name not in ABSTRACT}
    assert names - set(table) == set(), f"{namespace}: classes without a round-trip entry"


def as_json(config):
    return json.loads(json.dumps(config))


def round_trip(obj):
    """``obj`` -> Keras config -> JSON text -> a new object; returns it."""
    text = json.dumps(serialize_keras_object(obj))
    clone = deserialize_keras_object(json.loads(text))
    assert type(clone) is type(obj)
    return clone


def assert_arguments_kept(config, arguments):
    """Every constructor argument given is in the config with its value (objects, given
    by name or as instances, are configs there, and are compared by the round trip
    instead)."""
    renamed = {"shape": "batch_shape"}
    for key, value in arguments.items():
        key = renamed.get(key, key)
        assert key in config, f"{key!r} is missing from the config {sorted(config)}"
        if callable(value) or hasattr(value, "get_config") or (
                isinstance(value, str) and isinstance(config[key], dict)) or (
                isinstance(value, list) and any(hasattr(v, "get_config") for v in value)):
            continue
        kept = as_json(config[key])
        if key == "batch_shape":
            kept = kept[1:]
        value = as_json(value)
        if isinstance(value, (str, bool)) or value is None or (
                isinstance(value, list) and any(isinstance(v, str) for v in value)):
            assert kept == value, key
        else:  # numbers; a number given for a tuple is repeated (kernel_size=3 -> [3])
            np.testing.assert_allclose(np.asarray(kept, dtype=float),
                                       np.broadcast_to(np.asarray(value, dtype=float),
                                                       np.shape(kept)), rtol=1e-6,
                                       err_msg=key)


def assert_same_config(obj, clone, arguments=None):
    if arguments is not None:
        assert_arguments_kept(obj.get_config(), arguments)
    assert as_json(clone.get_config()) == as_json(obj.get_config())
    # and the class's own from_config, without the serialization layer
    again = type(obj).from_config(obj.get_config())
    assert as_json(again.get_config()) == as_json(obj.get_config())


def layer_inputs(spec):
    g = np.random.default_rng(0)
    if spec == "int":
        return g.integers(0, 10, size=(2, 4))
    if isinstance(spec, list):
        return [g.normal(size=s).astype("float32") for s in spec]
    return g.normal(size=spec).astype("float32")


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_config_round_trip_and_outputs(backend, name):
    arguments, spec = LAYERS[name]
    arguments = {key: value() if isinstance(value, functools.partial) else value
                 for key, value in arguments.items()}
    layer = getattr(layers, name)(**arguments)
    if spec is None:
        assert_same_config(layer, round_trip(layer), arguments)
        return
    x = layer_inputs(spec)
    out = kerasette.ops.convert_to_numpy(layer(x, training=False))
    weights = layer.get_weights()
    for w in weights:  # make them differ from a fresh layer's
        w += np.linspace(0.1, 0.9, w.size).reshape(w.shape).astype(w.dtype)
    layer.set_weights(weights)
    out = kerasette.ops.convert_to_numpy(layer(x, training=False))
    clone = round_trip(layer)
    assert_same_config(layer, clone, arguments)
    clone(x, training=False)  # builds it
    clone.set_weights(weights)
    np.testing.assert_array_equal(kerasette.ops.convert_to_numpy(clone(x, training=False)), out)


def test_model_config_round_trips_and_outputs(backend):
    sequential = kerasette.Sequential([kerasette.Input((5,)), layers.Dense(4, activation="relu"),
                                       layers.BatchNormalization(), layers.Dense(2)])
    a, b = kerasette.Input((5,), name="a"), kerasette.Input((3,), name="b")
    joined = layers.Concatenate()([layers.Dense(2)(a), b])
    functional = kerasette.Model([a, b], [layers.Dense(1)(joined), layers.Dense(2)(joined)])
    g = np.random.default_rng(1)
    for model, x in [(sequential, g.normal(size=(3, 5)).astype("float32")),
                     (functional, [g.normal(size=(3, 5)).astype("float32"),
                                   g.normal(size=(3, 3)).astype("float32")])]:
        weights = [w + 0.5 for w in model.get_weights()]
        model.set_weights(weights)
        clone = round_trip(model)
        assert as_json(clone.get_config()) == as_json(model.get_config())
        clone.set_weights(weights)
        ours, theirs = model.predict(x, verbose=0), clone.predict(x, verbose=0)
        ours, theirs = (ours, theirs) if isinstance(ours, list) else ([ours], [theirs])
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_config_round_trip_and_values(name):
    loss = getattr(losses, name)(**LOSSES[name])
    clone = round_trip(loss)
    assert_same_config(loss, clone, LOSSES[name])
    g = np.random.default_rng(2)
    y_true = g.integers(0, 2, size=(4, 3)).astype("float32")
    y_pred = g.uniform(0.05, 0.95, size=(4, 3)).astype("float32")
    if name in ("SparseCategoricalCrossentropy", "CategoricalGeneralizedCrossEntropy"):
        y_true = g.integers(0, 3, size=(4,))
    if name == "Circle":   # labels and embeddings
        y_true = g.integers(0, 2, size=(4,))
    if name == "CTC":      # labels (0 is the blank) and logits over 5 frames
        y_true = g.integers(1, 4, size=(4, 2))
        y_pred = g.normal(size=(4, 5, 4)).astype("float32")
    np.testing.assert_array_equal(kerasette.ops.convert_to_numpy(loss(y_true, y_pred)),
                                  kerasette.ops.convert_to_numpy(clone(y_true, y_pred)))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_config_round_trip(name):
    optimizer = getattr(optimizers, name)(**OPTIMIZERS[name])
    assert_same_config(optimizer, round_trip(optimizer), OPTIMIZERS[name])


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metric_config_round_trip(name):
    metric = getattr(metrics, name)(**METRICS[name])
    assert_same_config(metric, round_trip(metric), METRICS[name])


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_initializer_config_round_trip(name):
    initializer = getattr(initializers, name)(**INITIALIZERS[name])
    clone = round_trip(initializer)
    assert_same_config(initializer, clone, INITIALIZERS[name])
    if name in ("Constant", "Identity", "Ones", "Zeros"):
        np.testing.assert_array_equal(
            kerasette.ops.convert_to_numpy(initializer((3, 3))),
            kerasette.ops.convert_to_numpy(clone((3, 3))))


@pytest.mark.parametrize("module, table, name",
                         [(regularizers, REGULARIZERS, n) for n in sorted(REGULARIZERS)]
                         + [(constraints, CONSTRAINTS, n) for n in sorted(CONSTRAINTS)])
def test_regularizer_and_constraint_config_round_trip_and_values(module, table, name):
    """Both are functions of a weight: the clone gives the same value on one."""
    transform = getattr(module, name)(**table[name])
    clone = round_trip(transform)
    assert_same_config(transform, clone, table[name])
    w = np.random.default_rng(3).normal(size=(4, 3)).astype("float32")
    np.testing.assert_array_equal(kerasette.ops.convert_to_numpy(transform(w)),
                                  kerasette.ops.convert_to_numpy(clone(w)))


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_config_round_trip_and_values(name):
    schedule = getattr(schedules, name)(**SCHEDULES[name])
    clone = round_trip(schedule)
    assert_same_config(schedule, clone, SCHEDULES[name])
    for step in (0, 7, 15, 33):
        assert float(kerasette.ops.convert_to_numpy(clone(step))) == float(
            kerasette.ops.convert_to_numpy(schedule(step)))
