"""Layers (``keras.layers``)."""

from kerasette.layers.activations import LeakyReLU, ReLU, Softmax
from kerasette.layers.core.activation import Activation
from kerasette.layers.core.dense import Dense
from kerasette.layers.convolutional.conv1d import Conv1D
from kerasette.layers.convolutional.conv1d_transpose import Conv1DTranspose
from kerasette.layers.convolutional.conv2d import Conv2D
from kerasette.layers.convolutional.conv2d_transpose import Conv2DTranspose
from kerasette.layers.core.dropout import Dropout
from kerasette.layers.core.embedding import Embedding
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
from kerasette.layers.normalization.batch_normalization import BatchNormalization
from kerasette.layers.normalization.layer_normalization import LayerNormalization
from kerasette.layers.pooling.average_pooling import AveragePooling1D, AveragePooling2D
from kerasette.layers.pooling.global_average_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
)
from kerasette.layers.pooling.global_max_pooling import GlobalMaxPooling1D, GlobalMaxPooling2D
from kerasette.layers.pooling.max_pooling import MaxPooling1D, MaxPooling2D
from kerasette.layers.preprocessing.normalization import Normalization
from kerasette.layers.preprocessing.rescaling import Rescaling
from kerasette.layers.reshaping.cropping import Cropping1D, Cropping2D
from kerasette.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D
from kerasette.layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D

# Keras's aliases
Convolution1D, Convolution2D = Conv1D, Conv2D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
