"""Attention layers: dot-product (Luong), additive (Bahdanau), multi-head and grouped-query."""
