"""Finding MNIST-style datasets on disk, in the order DESIGN.md gives."""

import os

from kerasette.datasets.idx import find_files, read_idx


def search_folders(system_folder=None):
    """``$KERASETTE_DATA``, ``~/.kerasette/datasets``, then the system folder."""
    folders = [os.environ.get("KERASETTE_DATA"),
               os.path.join(os.path.expanduser("~"), ".kerasette", "datasets")]
    if system_folder:
        folders.append(system_folder)
    return folders


def load_mnist_style(name, system_folder=None):
    """The four arrays of dataset ``name`` from the first folder that holds them."""
    folders = search_folders(system_folder)
    paths = find_files(name, folders)
    if paths is None:
        looked = [f for f in folders if f]
        raise FileNotFoundError(
            f"The {name} files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) were not found in {looked}. "
            f"Provide them in one of three ways: (1) set KERASETTE_DATA to a folder holding them; "
            f"(2) copy them to ~/.kerasette/datasets/{name}/; "
            f"(3) on Debian or Ubuntu, apt-get install dataset-{name}."
        )
    x_train, y_train = read_idx(paths["x_train"]), read_idx(paths["y_train"])
    x_test, y_test = read_idx(paths["x_test"]), read_idx(paths["y_test"])
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError(f"The {name} files disagree: {len(x_train)} training images but "
                         f"{len(y_train)} labels, {len(x_test)} test images but {len(y_test)} labels.")
    return (x_train, y_train), (x_test, y_test)
