"""Image preprocessing and augmentation layers (Keras 3's ``keras.layers`` image ones)."""
