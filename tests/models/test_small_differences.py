"""Small differences from Keras 3 in what a wrong call raises or warns, against the real Keras.

Each case is one call written against a module ``K``; it runs on Keras and on kerasette, and
the records compare the exception type (or the warning's category) and the information its
text carries: Keras 2 leftovers that Keras 3 refuses (``lr=``, ``W_regularizer=``,
``subsample=``) or accepts with a warning (``decay=``, ``input_dim=``, ``input_length=``),
unknown arguments of ``evaluate``, and ``Sequential.pop()`` with nothing to pop.
"""

import warnings

import numpy as np
import pytest

import kerasette

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def _evaluate_with(K, **kwargs):
    inputs = K.Input((3,))
    model = K.Model(inputs, K.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    return model.evaluate(np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0,
                          **kwargs)


# name -> (the call, words that the error or warning text must hold on both)
CASES = {
    "pop_empty": (lambda K: K.Sequential().pop(), []),
    "pop_input_only": (lambda K: K.Sequential([K.Input((3,))]).pop(), []),
    "sgd_lr": (lambda K: K.optimizers.SGD(lr=0.1), ["lr", "not recognized"]),
    "adam_lr": (lambda K: K.optimizers.Adam(lr=0.1), ["lr", "not recognized"]),
    "rmsprop_lr": (lambda K: K.optimizers.RMSprop(lr=0.1), ["lr", "not recognized"]),
    "sgd_decay": (lambda K: K.optimizers.SGD(decay=0.1), ["decay", "no longer supported"]),
    "adam_decay": (lambda K: K.optimizers.Adam(learning_rate=0.1, decay=0.1),
                   ["decay", "no longer supported"]),
    "sgd_epsilon": (lambda K: K.optimizers.SGD(epsilon=1e-3), ["epsilon", "not recognized"]),
    "dense_w_regularizer": (lambda K: K.layers.Dense(2, W_regularizer=None),
                            ["Dense", "W_regularizer"]),
    "dense_output_dim": (lambda K: K.layers.Dense(2, output_dim=3), ["Dense", "output_dim"]),
    "conv_subsample": (lambda K: K.layers.Conv2D(2, 3, subsample=(1, 1)),
                       ["Conv2D", "subsample"]),
    "dropout_unknown": (lambda K: K.layers.Dropout(0.5, noise=1), ["Dropout", "noise"]),
    "dense_input_dim": (lambda K: K.layers.Dense(2, input_dim=3),
                        ["input_shape", "input_dim", "Input"]),
    "dense_input_shape": (lambda K: K.layers.Dense(2, input_shape=(3,)),
                          ["input_shape", "input_dim", "Input"]),
    "embedding_input_length": (lambda K: K.layers.Embedding(10, 3, input_length=5),
                               ["input_length"]),
    "evaluate_unknown": (lambda K: _evaluate_with(K, workers=2),
                         ["not recognized", "workers"]),
}


def _outcome(K, call):
    """("raises", type, text) or ("warns", categories, texts) or ("ok",)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call(K)
        except Exception as error:
            return ("raises", type(error).__name__, str(error))
    mine = [w for w in caught if not issubclass(w.category, DeprecationWarning)]
    if mine:
        return ("warns", sorted({w.category.__name__ for w in mine}),
                " ".join(str(w.message) for w in mine))
    return ("ok",)


@pytest.fixture(scope="module")
def keras_outcomes(keras):
    return {name: _outcome(keras, call) for name, (call, _) in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_errors_and_warnings_follow_keras(name, keras_outcomes):
    call, words = CASES[name]
    expected = keras_outcomes[name]
    with kerasette.backend.use("numpy"):
        mine = _outcome(kerasette, call)
    assert mine[:2] == expected[:2], (mine, expected)
    for word in words:
        assert word in expected[2] and word in mine[2], (word, mine[2])


def test_pop_says_what_was_empty():
    with pytest.raises(IndexError, match='Sequential "empty" has no layer to pop'):
        kerasette.Sequential(name="empty").pop()


def test_lr_names_learning_rate():
    with pytest.raises(ValueError, match=r"\{'lr': 0.1\}.*learning_rate"):
        kerasette.optimizers.Adam(lr=0.1)
