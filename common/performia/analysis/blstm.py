"""madmom's bidirectional LSTM ensembles, run as one batched recurrence.

madmom evaluates each network of an ensemble on its own, one time step at a time, and every gate
of every step does its own small matrix product: on two cores its beat ensemble (8 networks of
three 25-unit BLSTM layers) takes about 13 s for a three-minute song, and the downbeat ensemble as
long again. The arithmetic is tiny; the time goes into hundreds of thousands of Python-level
steps. Here the same networks, with the same weights and the same equations (peephole LSTM,
madmom's gate order and activations, float32), run differently:

* each layer's input projection is one matrix product over the whole sequence;
* the recurrence runs once per time step for *all* networks and both directions together, as a
  batched product of the previous outputs with the stacked recurrent weights.

The outputs match madmom's own to float32 rounding (``tests/analysis/test_blstm.py`` compares
them), about ten times faster. No library offers this: torch's LSTM has no peephole connections,
and madmom's layers are its own. Only what madmom's beat and downbeat models use is supported
(bidirectional LSTM layers, then one feed-forward output layer); anything else raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BatchedBLSTM"]

_DTYPE = np.float32


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # scipy's expit, which madmom uses, in float32: 1 / (1 + exp(-x))
    return 0.5 * np.tanh(0.5 * x) + 0.5


@dataclass(frozen=True)
class _Direction:
    """One LSTM layer's parameters, gates stacked in the order input, forget, cell, output."""

    weights: np.ndarray  # (inputs, 4H)
    bias: np.ndarray  # (4H,)
    recurrent: np.ndarray  # (H, 4H)
    peephole: np.ndarray  # (3, H): input, forget, output gates (zeros where the gate has none)


@dataclass(frozen=True)
class _Output:
    weights: np.ndarray  # (inputs, outputs)
    bias: np.ndarray  # (outputs,)
    softmax: bool


def _direction(layer: Any) -> _Direction:
    gates = (layer.input_gate, layer.forget_gate, layer.cell, layer.output_gate)
    if layer.cell.activation_fn.__name__ != "tanh" or layer.activation_fn.__name__ != "tanh":
        raise ValueError("only LSTM layers with tanh cell and output activations are supported")
    hidden = layer.cell.bias.size
    peep = np.zeros((3, hidden), dtype=_DTYPE)
    for row, gate in enumerate((layer.input_gate, layer.forget_gate, layer.output_gate)):
        if getattr(gate, "peephole_weights", None) is not None:
            peep[row] = gate.peephole_weights.ravel()
    return _Direction(
        weights=np.concatenate([g.weights for g in gates], axis=1).astype(_DTYPE),
        bias=np.concatenate([np.ravel(g.bias) for g in gates]).astype(_DTYPE),
        recurrent=np.concatenate([g.recurrent_weights for g in gates], axis=1).astype(_DTYPE),
        peephole=peep,
    )


def _parse(network: Any) -> tuple[list[tuple[_Direction, _Direction]], _Output]:
    """A madmom ``NeuralNetwork`` as (forward, backward) LSTM layers and an output layer."""
    layers = list(network.layers)
    recurrent, last = layers[:-1], layers[-1]
    parsed = []
    for layer in recurrent:
        fwd, bwd = getattr(layer, "fwd_layer", None), getattr(layer, "bwd_layer", None)
        if type(fwd).__name__ != "LSTMLayer" or type(bwd).__name__ != "LSTMLayer":
            raise ValueError(f"unsupported layer {type(layer).__name__} (only BLSTM layers)")
        parsed.append((_direction(fwd), _direction(bwd)))
    if type(last).__name__ != "FeedForwardLayer":
        raise ValueError(f"unsupported output layer {type(last).__name__}")
    kind = last.activation_fn.__name__
    if kind not in ("sigmoid", "softmax"):
        raise ValueError(f"unsupported output activation {kind}")
    output = _Output(
        last.weights.astype(_DTYPE), np.ravel(last.bias).astype(_DTYPE), kind == "softmax"
    )
    return parsed, output


class BatchedBLSTM:
    """Several madmom BLSTM networks of one shape, evaluated together.

    Parameters
    ----------
    networks : sequence of madmom.ml.nn.NeuralNetwork
        Networks with the same number of BLSTM layers and the same hidden size. The first
        layer's input size and the output layer may differ between them (the beat and the
        downbeat ensembles run in one batch).
    """

    def __init__(self, networks: Sequence[Any]) -> None:
        if not networks:
            raise ValueError("no networks given")
        parsed = [_parse(n) for n in networks]
        depths = {len(layers) for layers, _ in parsed}
        hidden = {d.recurrent.shape[0] for layers, _ in parsed for pair in layers for d in pair}
        if len(depths) != 1 or len(hidden) != 1:
            raise ValueError("the networks differ in depth or hidden size")
        self.depth = depths.pop()
        self.hidden = hidden.pop()
        self._layers = [layers for layers, _ in parsed]
        self._outputs = [output for _, output in parsed]
        # per layer: (2N, H, 4H) recurrent weights, (2N, 3, H) peepholes; forward rows first
        self._recurrent = []
        self._peephole = []
        for depth in range(self.depth):
            directions = [pair[k] for k in (0, 1) for pair in (n[depth] for n in self._layers)]
            self._recurrent.append(np.stack([d.recurrent for d in directions]))
            self._peephole.append(np.stack([d.peephole for d in directions]))

    def __len__(self) -> int:
        return len(self._layers)

    def _recur(self, projected: np.ndarray, depth: int) -> np.ndarray:
        """Run the recurrence of layer ``depth`` for all sequences at once.

        ``projected`` is (2N, T, 4H): each direction's input projection plus bias, backward
        sequences already reversed in time. Returns the outputs, (2N, T, H).
        """
        batch, steps, _ = projected.shape
        h = self.hidden
        recurrent = self._recurrent[depth]
        p_in, p_forget, p_out = (self._peephole[depth][:, k] for k in range(3))
        out = np.empty((batch, steps, h), dtype=_DTYPE)
        prev = np.zeros((batch, h), dtype=_DTYPE)
        state = np.zeros((batch, h), dtype=_DTYPE)
        for t in range(steps):
            pre = projected[:, t] + np.matmul(prev[:, None, :], recurrent)[:, 0]
            gate_in = _sigmoid(pre[:, :h] + state * p_in)
            gate_forget = _sigmoid(pre[:, h : 2 * h] + state * p_forget)
            state = np.tanh(pre[:, 2 * h : 3 * h]) * gate_in + state * gate_forget
            gate_out = _sigmoid(pre[:, 3 * h :] + state * p_out)
            prev = np.tanh(state) * gate_out
            out[:, t] = prev
        return out

    def __call__(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Each network's output for its own input.

        Parameters
        ----------
        inputs : sequence of np.ndarray, shape (T, features)
            One feature matrix per network, all with the same number of frames ``T``.

        Returns
        -------
        list of np.ndarray, shape (T, outputs)
            What ``network.process(inputs[i])`` returns in madmom.
        """
        if len(inputs) != len(self._layers):
            raise ValueError(f"expected {len(self._layers)} inputs, got {len(inputs)}")
        steps = {len(x) for x in inputs}
        if len(steps) != 1:
            raise ValueError("every input needs the same number of frames")
        n = len(inputs)
        data = [np.asarray(x, dtype=_DTYPE) for x in inputs]
        for depth in range(self.depth):
            projected = []
            for k in (0, 1):  # forward, then backward in reversed time
                for net, x in zip(self._layers, data, strict=True):
                    d = net[depth][k]
                    p = x @ d.weights + d.bias
                    projected.append(p if k == 0 else p[::-1])
            out = self._recur(np.stack(projected), depth)
            data = [np.hstack((out[i], out[n + i][::-1])) for i in range(n)]
        results = []
        for x, layer in zip(data, self._outputs, strict=True):
            z = x @ layer.weights + layer.bias
            if layer.softmax:
                z = np.exp(z - z.max(axis=1, keepdims=True))
                z /= z.sum(axis=1, keepdims=True)
            else:
                z = _sigmoid(z)
            results.append(z)
        return results
