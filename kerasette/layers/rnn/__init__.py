"""Recurrent layers: the RNN loop, its cells, and the wrappers that go with them."""
