"""Layers (``keras.layers``)."""

from kerasette.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from kerasette.layers.attention.additive_attention import AdditiveAttention
from kerasette.layers.attention.attention import Attention
from kerasette.layers.attention.grouped_query_attention import GroupedQueryAttention
from kerasette.layers.attention.multi_head_attention import MultiHeadAttention
from kerasette.layers.core.activation import Activation
from kerasette.layers.core.dense import Dense
from kerasette.layers.convolutional.conv1d import Conv1D
from kerasette.layers.convolutional.conv1d_transpose import Conv1DTranspose
from kerasette.layers.convolutional.conv2d import Conv2D
from kerasette.layers.convolutional.conv2d_transpose import Conv2DTranspose
from kerasette.layers.convolutional.conv3d import Conv3D
from kerasette.layers.convolutional.conv3d_transpose import Conv3DTranspose
from kerasette.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from kerasette.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from kerasette.layers.convolutional.separable_conv1d import SeparableConv1D
from kerasette.layers.convolutional.separable_conv2d import SeparableConv2D
from kerasette.layers.core.dropout import Dropout
from kerasette.layers.core.einsum_dense import EinsumDense
from kerasette.layers.core.embedding import Embedding
from kerasette.layers.core.identity import Identity
from kerasette.layers.core.lambda_layer import Lambda
from kerasette.layers.core.masking import Masking
from kerasette.layers.core import op_layer as _op_layer  # noqa: F401 - ops on KerasTensors
from kerasette.layers.core.reshaping import Flatten, Permute, RepeatVector, Reshape
from kerasette.layers.input_layer import Input, InputLayer
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer
from kerasette.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from kerasette.layers.normalization.batch_normalization import BatchNormalization
from kerasette.layers.normalization.group_normalization import GroupNormalization
from kerasette.layers.normalization.layer_normalization import LayerNormalization
from kerasette.layers.normalization.rms_normalization import RMSNormalization
from kerasette.layers.normalization.spectral_normalization import SpectralNormalization
from kerasette.layers.normalization.unit_normalization import UnitNormalization
from kerasette.layers.pooling.average_pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
)
from kerasette.layers.pooling.global_average_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
)
from kerasette.layers.pooling.global_max_pooling import (
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from kerasette.layers.pooling.max_pooling import MaxPooling1D, MaxPooling2D, MaxPooling3D
from kerasette.layers.preprocessing.category_encoding import CategoryEncoding
from kerasette.layers.preprocessing.discretization import Discretization
from kerasette.layers.preprocessing.hashed_crossing import HashedCrossing
from kerasette.layers.preprocessing.hashing import Hashing
from kerasette.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from kerasette.layers.preprocessing.image_preprocessing.random_brightness import RandomBrightness
from kerasette.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from kerasette.layers.preprocessing.image_preprocessing.random_flip import RandomFlip
from kerasette.layers.preprocessing.image_preprocessing.random_grayscale import RandomGrayscale
from kerasette.layers.preprocessing.image_preprocessing.random_invert import RandomInvert
from kerasette.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from kerasette.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation
from kerasette.layers.preprocessing.image_preprocessing.random_translation import (
    RandomTranslation)
from kerasette.layers.preprocessing.image_preprocessing.random_zoom import RandomZoom
from kerasette.layers.preprocessing.image_preprocessing.resizing import Resizing
from kerasette.layers.preprocessing.integer_lookup import IntegerLookup
from kerasette.layers.preprocessing.normalization import Normalization
from kerasette.layers.preprocessing.rescaling import Rescaling
from kerasette.layers.preprocessing.string_lookup import StringLookup
from kerasette.layers.preprocessing.text_vectorization import TextVectorization
from kerasette.layers.regularization.activity_regularization import ActivityRegularization
from kerasette.layers.regularization.alpha_dropout import AlphaDropout
from kerasette.layers.regularization.gaussian_dropout import GaussianDropout
from kerasette.layers.regularization.gaussian_noise import GaussianNoise
from kerasette.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from kerasette.layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from kerasette.layers.reshaping.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from kerasette.layers.reshaping.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from kerasette.layers.rnn.bidirectional import Bidirectional
from kerasette.layers.rnn.conv_lstm1d import ConvLSTM1D
from kerasette.layers.rnn.conv_lstm2d import ConvLSTM2D
from kerasette.layers.rnn.conv_lstm3d import ConvLSTM3D
from kerasette.layers.rnn.gru import GRU, GRUCell
from kerasette.layers.rnn.lstm import LSTM, LSTMCell
from kerasette.layers.rnn.rnn import RNN
from kerasette.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from kerasette.layers.rnn.stacked_rnn_cells import StackedRNNCells
from kerasette.layers.rnn.time_distributed import TimeDistributed

# Keras's aliases
GroupQueryAttention = GroupedQueryAttention  # Keras 3 exports only this name
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
