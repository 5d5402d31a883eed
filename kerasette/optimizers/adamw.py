"""AdamW: Adam with decoupled weight decay (Keras 3 ``keras.optimizers.AdamW``)."""

from kerasette.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam step every variable shrinks: ``w <- w - w * weight_decay *
    learning_rate`` (the base optimizer's weight decay, which AdamW requires).

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        weight_decay: the decay rate (default 0.004; must not be None).
        beta_1, beta_2, epsilon, amsgrad: as :class:`~kerasette.optimizers.Adam`.
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, beta_1=beta_1,
                         beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad, **kwargs)
        if self.weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a float, got None "
                             "(use Adam for no weight decay).")
