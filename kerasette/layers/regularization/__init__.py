"""Regularization layers: noise and dropout variants active only while training, and a
penalty on activations."""
