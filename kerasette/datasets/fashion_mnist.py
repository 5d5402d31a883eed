"""Fashion-MNIST: 70,000 28x28 grayscale images of clothing in 10 classes (Zalando Research)."""

from kerasette.datasets.download import RemoteFile
from kerasette.datasets.idx import find_idx_files
from kerasette.datasets.loader import locate, read_idx_dataset

#: The class names, in label order.
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]

NAME = "fashion-mnist"
#: Where Debian's ``dataset-fashion-mnist`` package puts the four ``.gz`` files.
SYSTEM_FOLDER = "/usr/share/datasets/fashion-mnist"
#: The mirror Keras 3 downloads Fashion-MNIST from.
BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# The upstream files (Zalando's), with their sizes and SHA-256. Keras publishes no hash for
# them, so these were established offline, as follows:
# - Zalando's README publishes their MD5s (train images 8d4fb7e6c68d591d4c3dfef9ec88bf0d,
#   train labels 25c81989df183df01b3e8a0aad5dffbe, test images
#   bef4ecab320f06d8554ea6380940ec79, test labels bb300cfdad3c16e7a12a480ee83cd310);
#   Keras's download logs show the Keras mirror serving files of exactly the sizes below.
# - Debian's files are NOT byte-identical (their MD5s differ): each is exactly as long as
#   upstream's minus the gzip FNAME field (the file name and its NUL), and its header carries
#   Debian's build time. The deflate stream is untouched. Putting the FNAME flag, the name
#   and upstream's mtime (2017-08-31 10:50:06 UTC for the train files, 10:50:27 for the test
#   files, found by trying every second of August 2017 against the MD5) back into Debian's
#   files rebuilds files with exactly Zalando's MD5s, whose SHA-256 are the ones below.
# - The same SHA-256 and sizes are recorded independently by TensorFlow Datasets
#   (tensorflow_datasets/url_checksums/fashion_mnist.txt, for Zalando's S3 mirror).
# So a local Debian file cannot be checked against these hashes (its header differs), but its
# data is upstream's: files on disk are checked against the hashes of their data
# (DATA_SHA256, below). tests/datasets/test_fashion_mnist.py rebuilds the upstream files from
# Debian's the same way and checks both sets of hashes whenever the package is installed.
_UPSTREAM = {  # file: (SHA-256, size in bytes)
    "train-images-idx3-ubyte.gz":
        ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
    "train-labels-idx1-ubyte.gz":
        ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
    "t10k-images-idx3-ubyte.gz":
        ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
    "t10k-labels-idx1-ubyte.gz":
        ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
}
#: ``{local file name: RemoteFile}``: what a download fetches (the same names on both sides).
REMOTE = {name: RemoteFile(name, sha256, size) for name, (sha256, size) in _UPSTREAM.items()}
#: The SHA-256 of each file's data (decompressed), keyed as
#: :data:`~kerasette.datasets.idx.FILES`: what every copy on disk is checked against before
#: use, whatever its gzip header (upstream's, Debian's) or none. Computed from Debian's files,
#: whose data is upstream's (test_fashion_mnist.py rebuilds upstream's files from them).
DATA_SHA256 = {
    "x_train": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "y_train": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "x_test": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "y_test": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

_HOW_TO_GET = {
    "files": "Fashion-MNIST is four IDX files (train-images-idx3-ubyte, "
             "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; "
             "each gzip-compressed with .gz or not).",
    "third_way": "on Debian or Ubuntu, install them: sudo apt-get install "
                 "dataset-fashion-mnist (into /usr/share/datasets/fashion-mnist/).",
}


def load_data():
    """Loads the Fashion-MNIST dataset: 60,000 training and 10,000 test images of clothing.

    The arrays are the same as ``keras.datasets.fashion_mnist.load_data()`` returns. The
    labels are indices into :data:`CLASS_NAMES` (0 T-shirt/top, 1 Trouser, 2 Pullover,
    3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot).

    The four IDX files (``.gz`` or uncompressed) are looked for in ``$KERASETTE_DATA/
    fashion-mnist/``, ``$KERASETTE_DATA``, ``~/.kerasette/datasets/fashion-mnist/`` and
    ``/usr/share/datasets/fashion-mnist/`` (Debian: ``apt-get install dataset-fashion-mnist``),
    in that order. Only when none holds them are they downloaded from Keras's mirror (or
    ``$KERASETTE_DATASETS_MIRROR``) into ``~/.kerasette/datasets/fashion-mnist/``, each
    checked against its known SHA-256. Wherever they are found, their data is checked
    against :data:`DATA_SHA256` before use (once per version of a file; see
    :mod:`kerasette.datasets.verify`): a bad file in ``~/.kerasette/datasets`` is replaced,
    with a warning; any other is an error.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,); pixels 0 to 255, labels 0 to 9.

    Raises:
        FileNotFoundError: the files are nowhere on disk and cannot be downloaded; the
            message says how to provide them.
        ChecksumError: (a ValueError) a file found is not Fashion-MNIST's (the message names
            it, with the SHA-256 expected and found), or a download was corrupt.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
        >>> x_train.shape, CLASS_NAMES[y_train[0]]
        ((60000, 28, 28), 'Ankle boot')
    """
    paths = locate(NAME, lambda folder, named: find_idx_files(folder), REMOTE, BASE_URL,
                   _HOW_TO_GET, system_folder=SYSTEM_FOLDER,
                   expected=lambda found: {found[key]: DATA_SHA256[key] for key in found})
    return read_idx_dataset(paths)
