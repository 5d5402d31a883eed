"""Layers (``keras.layers``)."""

from kerasette.layers.activations import LeakyReLU, ReLU, Softmax
from kerasette.layers.core.activation import Activation
from kerasette.layers.core.dense import Dense
from kerasette.layers.core.dropout import Dropout
from kerasette.layers.core.lambda_layer import Lambda
from kerasette.layers.core.reshaping import Flatten, Permute, RepeatVector, Reshape
from kerasette.layers.input_layer import Input, InputLayer
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer
from kerasette.layers.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from kerasette.layers.preprocessing.normalization import Normalization
from kerasette.layers.preprocessing.rescaling import Rescaling
