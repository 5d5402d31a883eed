"""Fashion-MNIST: 70,000 28x28 grayscale images of clothing in 10 classes (Zalando Research)."""

from kerasette.datasets.loader import load_mnist_style

#: the class names, in label order
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28),
    (60000,), (10000, 28, 28), (10000,), exactly as ``keras.datasets.fashion_mnist``.

    Looks in ``$KERASETTE_DATA``, ``~/.kerasette/datasets/fashion-mnist/`` and
    ``/usr/share/datasets/fashion-mnist/`` (Debian: ``apt-get install dataset-fashion-mnist``).
    """
    return load_mnist_style("fashion-mnist", system_folder="/usr/share/datasets/fashion-mnist")
