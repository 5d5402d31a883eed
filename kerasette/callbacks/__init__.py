"""Callbacks (``keras.callbacks``): hooks into training, evaluation and prediction."""

from kerasette.callbacks.backup_and_restore import BackupAndRestore
from kerasette.callbacks.callback import Callback
from kerasette.callbacks.callback_list import CallbackList
from kerasette.callbacks.csv_logger import CSVLogger
from kerasette.callbacks.early_stopping import EarlyStopping
from kerasette.callbacks.history import History
from kerasette.callbacks.lambda_callback import LambdaCallback
from kerasette.callbacks.learning_rate_scheduler import LearningRateScheduler
from kerasette.callbacks.model_checkpoint import ModelCheckpoint
from kerasette.callbacks.progbar_logger import ProgbarLogger
from kerasette.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from kerasette.callbacks.swap_ema_weights import SwapEMAWeights
from kerasette.callbacks.tensorboard import TensorBoard
from kerasette.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = ["BackupAndRestore", "Callback", "CallbackList", "CSVLogger", "EarlyStopping",
           "History", "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint",
           "ProgbarLogger", "ReduceLROnPlateau", "SwapEMAWeights", "TensorBoard",
           "TerminateOnNaN"]
