"""Benchmark suite: jaxdnn's training against peers, in mixed precision, and in sweeps.

    python experiments/bench.py [--device cpu|gpu] [--rounds 7] [--only fit,large,sweep]
                                [--json experiments/out/bench.json] [--smoke]

Sections (on a CPU: fit and sweep; on a GPU: all three):
  fit    steps per second of whole training epochs (ReLU MLP, softmax cross-entropy, SGD with
         momentum 0.9, float32): jaxdnn.fit against a hand-tuned pure-JAX lax.scan epoch, a
         jitted JAX step, Flax linen + optax, PyTorch eager and torch.compile. Workloads:
         MNIST-shaped 784-256-256-10, B 128, 60 000 synthetic samples; on a CPU also digits
         64-128-10, B 32 (1 617 samples). On a GPU jaxdnn.fit also runs with an unrolled loop.
  large  784-4096-4096-4096-10, B 4096, 32 768 synthetic samples, float32 and bfloat16
         matrix products: FLOP/s achieved (6·B·Σ m_k·m_{k−1} per step) as a share of the matrix
         product ceiling measured in the same run (a square 8192 product, 2048 when
         --smoke). float32 means true float32 products (no TF32) for every contestant.
  sweep  jaxdnn.sweep of M = 16, 64 and 256 models on digits (4 seeds × M/4 learning rates;
         on a CPU split into one device per core, the models split across them as
         ``jaxdnn sweep`` does, and on one device alone) against a hand-written vmapped
         pure-JAX sweep, PyTorch's torch.func ensembling
         (stack_module_state + vmap over functional_call) and, at M = 16, a loop of single fit
         runs: models × steps per second after the first (compiling) epoch, the share of the
         float32 matrix-product ceiling measured in the same run, and the compile times.

The ceiling of a section is sampled between its rounds and the best sample counts: a busy moment
can lower a measurement, never raise it.

A last table sets every goal beside its measured ratio (met, not met, or not run on this
device).

Every contestant of a table runs in the same process; rounds are interleaved (each round runs
every contestant once, in a fresh random order); tables report medians and the first epoch's time
(compilation included) apart. Flax and PyTorch come from the ``bench`` extra
(pip install -e ".[bench]"); a missing or failing peer is skipped and said so. --smoke shrinks
every workload so that the whole suite (GPU sections included) runs in a minute on a CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import itertools
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _args import integer, writable_directory
from jax.sharding import Mesh

import jaxdnn as jd
from jaxdnn.cli.parse import sweep_devices, usable_cores
from jaxdnn.cli.run import split_cpu
from jaxdnn.devices import add_device_argument, describe_device, start_device

LR, BETA = 0.01, 0.9


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    widths: tuple[int, ...]
    batch: int
    samples: int | None  # None: scikit-learn's digits
    epochs_per_round: int
    precision: str = "float32"

    @property
    def step_flops(self) -> int:
        """6·B·Σ m_k·m_{k−1}: forward 2, backward 4 multiply-adds per weight and sample."""
        return 6 * self.batch * sum(a * b for a, b in itertools.pairwise(self.widths))


def workloads(section: str, platform: str, smoke: bool) -> list[Workload]:
    if section == "fit":
        mnist = Workload("784-256-256-10, B 128", (784, 256, 256, 10), 128, 60_000, 1)
        digits = Workload("digits 64-128-10, B 32", (64, 128, 10), 32, None, 10)
        if smoke:
            mnist = dataclasses.replace(mnist, samples=4096)
        return [mnist] if platform == "gpu" else [mnist, digits]
    widths, batch, samples = (784, 4096, 4096, 4096, 10), 4096, 32_768
    if smoke:
        widths, batch, samples = (784, 512, 512, 512, 10), 512, 2048
    name = "-".join(map(str, widths)) + f", B {batch}"
    return [
        Workload(f"{name}, float32", widths, batch, samples, 1, "float32"),
        Workload(f"{name}, bfloat16", widths, batch, samples, 1, "bfloat16"),
    ]


def load(workload: Workload) -> tuple[np.ndarray, np.ndarray]:
    if workload.samples is None:
        splits = jd.load_splits("digits", jax.random.PRNGKey(0), (0.9999, 5e-5, 5e-5))
        X, Y = splits.train
    else:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(workload.samples, workload.widths[0]))
        Y = np.eye(workload.widths[-1])[rng.integers(0, workload.widths[-1], workload.samples)]
    return X.astype(np.float32), Y.astype(np.float32)


class Unsupported(Exception):
    """The contestant has no such mode (e.g. Flax in bfloat16 here)."""


class Contestant:
    """Runs whole epochs; ``epochs(k)`` returns the number of optimizer steps it made."""

    name = ""

    def epoch(self) -> int:
        raise NotImplementedError

    def epochs(self, k: int) -> int:
        return sum(self.epoch() for _ in range(k))


class JaxdnnFit(Contestant):
    def __init__(self, X, Y, w: Workload, unroll: int = 1):
        self.X, self.Y, self.w, self.unroll = jnp.asarray(X), jnp.asarray(Y), w, unroll
        self.params = jd.init_params(jax.random.PRNGKey(1), w.widths, dtype=jnp.float32)
        self.optimizer = jd.momentum(LR, BETA)
        self.state = self.optimizer.init(self.params)
        self.count = 0

    def epochs(self, k: int) -> int:
        """k epochs in one call of fit, as a user trains (fit checks its data once a call)."""
        self.params, _ = jd.fit(
            self.params,
            self.X,
            self.Y,
            self.optimizer,
            key=jax.random.PRNGKey(2),
            epochs=self.count + k,
            initial_epoch=self.count,
            batch_size=self.w.batch,
            opt_state=self.state,
            callback=self._keep_state,
            precision=None if self.w.precision == "float32" else self.w.precision,
            unroll=self.unroll,
        )
        self.count += k
        jax.block_until_ready(self.params)
        return k * -(-self.X.shape[0] // self.w.batch)

    def _keep_state(self, epoch, params, opt_state, history):
        self.state = opt_state


def _init_mlp(widths):
    return jd.init_params(jax.random.PRNGKey(1), widths, dtype=jnp.float32)


def _mlp_loss(params, X, Y, dtype=jnp.float32):
    """Mean softmax cross-entropy; products and activations in ``dtype``, loss in float32."""
    a = X.astype(dtype)
    for layer in params[:-1]:
        a = jax.nn.relu(a @ layer["W"].T.astype(dtype) + layer["b"].astype(dtype))
    logits = a @ params[-1]["W"].T.astype(dtype) + params[-1]["b"].astype(dtype)
    return optax.softmax_cross_entropy(logits.astype(jnp.float32), Y).mean()


def _dtype(w: Workload):
    return jnp.bfloat16 if w.precision == "bfloat16" else jnp.float32


class JaxScan(Contestant):
    name = "JAX scan"

    def __init__(self, X, Y, w: Workload):
        self.X, self.Y = jnp.asarray(X), jnp.asarray(Y)
        self.params = _init_mlp(w.widths)
        tx = optax.sgd(LR * (1 - BETA), momentum=BETA)
        self.state = tx.init(self.params)
        self.n_batches = n_batches = X.shape[0] // w.batch
        self.key = jax.random.PRNGKey(2)
        batch, dtype = w.batch, _dtype(w)

        def step(carry, xy):
            params, state = carry
            grads = jax.grad(_mlp_loss)(params, *xy, dtype)
            updates, state = tx.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        @jax.jit
        def epoch(params, state, X, Y, key):
            perm = jax.random.permutation(key, X.shape[0])[: n_batches * batch]
            xs = X[perm].reshape(n_batches, batch, -1)
            ys = Y[perm].reshape(n_batches, batch, -1)
            (params, state), _ = jax.lax.scan(step, (params, state), (xs, ys))
            return params, state

        self._epoch = epoch

    def epoch(self) -> int:
        self.key, sub = jax.random.split(self.key)
        self.params, self.state = self._epoch(self.params, self.state, self.X, self.Y, sub)
        jax.block_until_ready(self.params)
        return self.n_batches


class _SteppedJax(Contestant):
    """A jitted step per batch; the permutation and batch slicing happen on the host."""

    def __init__(self, X, Y, batch, loss_fn: Callable, params):
        self.X, self.Y, self.batch = X, Y, batch
        self.params = params
        tx = optax.sgd(LR * (1 - BETA), momentum=BETA)
        self.state = tx.init(params)
        self.rng = np.random.default_rng(2)

        @jax.jit
        def step(params, state, xb, yb):
            grads = jax.grad(loss_fn)(params, xb, yb)
            updates, state = tx.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        self._step = step

    def epoch(self) -> int:
        perm = self.rng.permutation(self.X.shape[0])
        n_batches = self.X.shape[0] // self.batch
        for b in range(n_batches):
            rows = perm[b * self.batch : (b + 1) * self.batch]
            self.params, self.state = self._step(
                self.params, self.state, self.X[rows], self.Y[rows]
            )
        jax.block_until_ready(self.params)
        return n_batches


class JaxStep(_SteppedJax):
    name = "JAX jitted step"

    def __init__(self, X, Y, w: Workload):
        dtype = _dtype(w)
        loss = lambda p, X, Y: _mlp_loss(p, X, Y, dtype)  # noqa: E731
        super().__init__(X, Y, w.batch, loss, _init_mlp(w.widths))


class FlaxLinen(_SteppedJax):
    name = "Flax linen"

    def __init__(self, X, Y, w: Workload):
        if w.precision != "float32":
            raise Unsupported("float32 only here")
        import flax.linen as nn

        widths = w.widths

        class MLP(nn.Module):
            @nn.compact
            def __call__(self, x):
                for width in widths[1:-1]:
                    x = nn.relu(nn.Dense(width)(x))
                return nn.Dense(widths[-1])(x)

        model = MLP()
        variables = model.init(jax.random.PRNGKey(1), jnp.zeros((1, widths[0]), jnp.float32))

        def loss_fn(variables, xb, yb):
            return optax.softmax_cross_entropy(model.apply(variables, xb), yb).mean()

        super().__init__(X, Y, w.batch, loss_fn, variables)


class Torch(Contestant):
    """torch.nn + torch.optim.SGD, batches sliced from tensors on the device; bfloat16 through
    autocast; ``compiled``: the model through torch.compile."""

    def __init__(self, X, Y, w: Workload, compiled: bool = False):
        import torch

        self.torch = torch
        on_gpu = jax.config.jax_default_device.platform == "gpu" and torch.cuda.is_available()
        self.device = torch.device("cuda" if on_gpu else "cpu")
        torch.backends.cuda.matmul.allow_tf32 = False  # float32 means float32, as in JAX here
        torch.manual_seed(1)
        layers = []
        for k, (n_in, n_out) in enumerate(zip(w.widths[:-1], w.widths[1:], strict=True)):
            layers.append(torch.nn.Linear(n_in, n_out))
            if k < len(w.widths) - 2:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers).to(self.device)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR * (1 - BETA), momentum=BETA)
        self.forward = torch.compile(self.model) if compiled else self.model
        self.X = torch.from_numpy(X).to(self.device)
        self.labels = torch.from_numpy(Y.argmax(axis=1)).to(self.device)
        self.batch, self.bf16 = w.batch, w.precision == "bfloat16"
        self.generator = torch.Generator(device=self.device).manual_seed(2)

    def epoch(self) -> int:
        torch = self.torch
        perm = torch.randperm(self.X.shape[0], generator=self.generator, device=self.device)
        n_batches = self.X.shape[0] // self.batch
        loss_fn = torch.nn.functional.cross_entropy
        autocast = (
            torch.autocast(self.device.type, dtype=torch.bfloat16)
            if self.bf16
            else contextlib.nullcontext()
        )
        for b in range(n_batches):
            rows = perm[b * self.batch : (b + 1) * self.batch]
            self.optimizer.zero_grad(set_to_none=True)
            with autocast:
                loss = loss_fn(self.forward(self.X[rows]), self.labels[rows])
            loss.backward()
            self.optimizer.step()
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return n_batches


def contestants(platform: str) -> list[tuple[str, Callable]]:
    """``(name, constructor (X, Y, workload) -> Contestant)`` of a table, jaxdnn first."""
    entries = [("jaxdnn.fit", JaxdnnFit)]
    if platform == "gpu":  # XLA runs loop control on the host: unrolling amortises the sync
        entries.append(("jaxdnn.fit (unroll 8)", functools.partial(JaxdnnFit, unroll=8)))
    return entries + [
        ("JAX scan", JaxScan),
        ("JAX jitted step", JaxStep),
        ("Flax linen", FlaxLinen),
        ("PyTorch eager", Torch),
        ("torch.compile", functools.partial(Torch, compiled=True)),
    ]


def _matmul_precision(w: Workload):
    """True float32 products for float32 workloads (no TF32 on GPUs), as PyTorch by default."""
    if w.precision == "float32":
        return jax.default_matmul_precision("float32")
    return contextlib.nullcontext()


def run_workload(
    section: str, w: Workload, platform: str, rounds: int, ceiling: Ceiling | None = None
) -> dict:
    """Every contestant on workload ``w``, ``rounds`` interleaved rounds; with ``ceiling``, the
    matrix-product ceiling is sampled once a round too."""
    X, Y = load(w)
    built, skipped, first_epoch = [], [], {}
    with _matmul_precision(w):
        for name, make in contestants(platform):
            try:
                c = make(X, Y, w)
                c.name = name
                start = time.perf_counter()
                c.epochs(1)  # compiles
                first_epoch[c.name] = time.perf_counter() - start
                built.append(c)
            except ImportError as error:
                skipped.append(f"{name}: {error.name} not installed")
            except Unsupported as error:
                skipped.append(f"{name}: {error}")
            except Exception as error:  # a peer that cannot run here (e.g. no C++ compiler)
                message = str(error).strip().splitlines()[0][:120] if str(error) else ""
                skipped.append(f"{name}: {type(error).__name__} {message}")
        rates = {c.name: [] for c in built}
        rng = np.random.default_rng(0)
        for _ in range(rounds):
            # a fresh order each round: no contestant always runs after the same one (PyTorch's
            # OpenMP threads keep spinning a moment after their work, slowing whoever is next)
            for c in rng.permutation(np.array(built, dtype=object)):
                start = time.perf_counter()
                steps = c.epochs(w.epochs_per_round)
                rates[c.name].append(steps / (time.perf_counter() - start))
            if ceiling is not None:
                ceiling.sample()
    result = {
        "section": section,
        "workload": w.name,
        "widths": w.widths,
        "batch": w.batch,
        "samples": X.shape[0],
        "precision": w.precision,
        "step_flops": w.step_flops,
        "epochs_per_round": w.epochs_per_round,
        "steps_per_second": {k: statistics.median(v) for k, v in rates.items()},
        "first_epoch_seconds": first_epoch,
        "skipped": skipped,
    }
    if ceiling is not None:
        result.update(ceiling.as_dict())
    return result


def matmul_ceiling(dtype, size: int, repeats: int = 10) -> float:
    """FLOP/s of the best of ``repeats`` square (size × size) products in ``dtype``."""
    a = jax.random.normal(jax.random.PRNGKey(0), (size, size), jnp.float32).astype(dtype)
    b = jax.random.normal(jax.random.PRNGKey(1), (size, size), jnp.float32).astype(dtype)
    product = jax.jit(jnp.matmul)
    product(a, b).block_until_ready()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        product(a, b).block_until_ready()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


class Ceiling:
    """The matrix-product ceiling of a section, sampled between its rounds: the best sample
    counts, since a busy moment of the machine can only lower one (a single measurement at the
    end once put the sweep of 256 models at 97 % of a ceiling of 108 GFLOP/s, where other runs
    measured 165–196)."""

    def __init__(self, dtype, size: int, repeats: int = 5):
        self.dtype, self.size, self.repeats = dtype, size, repeats
        self.samples: list[float] = []

    def sample(self) -> None:
        self.samples.append(matmul_ceiling(self.dtype, self.size, self.repeats))

    def as_dict(self) -> dict:
        if not self.samples:
            self.sample()
        return {
            "ceiling_flops": max(self.samples),
            "ceiling_samples": self.samples,
            "ceiling_size": self.size,
        }


SWEEP_MODELS = (16, 64, 256)


class _VmappedJaxSweep:
    """The peer of jaxdnn.sweep: M models written by hand in pure JAX, an epoch as lax.scan over
    batches of a per-model permutation, momentum written out, vmapped over the models."""

    def __init__(self, X, Y, widths, batch, lrs, keys):
        self.X, self.Y = jnp.asarray(X), jnp.asarray(Y)
        n_batches = X.shape[0] // batch
        self.params = jax.vmap(lambda k: _init_mlp_keyed(widths, k))(keys)
        self.momentum = jax.tree.map(jnp.zeros_like, self.params)
        self.lrs, self.keys = jnp.asarray(lrs, jnp.float32), keys

        def epoch(params, momentum, lr, key, X, Y):
            rows = jax.random.permutation(key, X.shape[0])[: n_batches * batch]

            def step(carry, idx):
                params, momentum = carry
                grads = jax.grad(_mlp_loss)(params, X[idx], Y[idx])
                momentum = jax.tree.map(lambda m, g: BETA * m + g, momentum, grads)
                params = jax.tree.map(lambda p, m: p - lr * m, params, momentum)
                return (params, momentum), None

            (params, momentum), _ = jax.lax.scan(
                step, (params, momentum), rows.reshape(n_batches, batch)
            )
            return params, momentum

        self._epoch = jax.jit(jax.vmap(epoch, in_axes=(0, 0, 0, 0, None, None)))
        self.steps = n_batches

    def epoch(self, e: int) -> None:
        keys = jax.vmap(lambda k: jax.random.fold_in(k, e))(self.keys)
        self.params, self.momentum = self._epoch(
            self.params, self.momentum, self.lrs, keys, self.X, self.Y
        )
        jax.block_until_ready(self.params)


def _init_mlp_keyed(widths, key):
    params = []
    for k, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        W = jax.random.normal(jax.random.fold_in(key, k), (n_out, n_in)) * np.sqrt(2 / n_in)
        params.append({"W": W.astype(jnp.float32), "b": jnp.zeros(n_out, jnp.float32)})
    return params


class _TorchFuncSweep:
    """PyTorch's model ensembling: stack_module_state + torch.func.vmap over functional_call,
    gradients by torch.func.grad, the same hand-written momentum."""

    def __init__(self, X, Y, widths, batch, lrs, seed=0):
        import torch
        from torch.func import functional_call, grad, stack_module_state, vmap

        self.torch = torch
        torch.manual_seed(seed)
        models = []
        for _ in lrs:
            layers = []
            for k, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
                layers.append(torch.nn.Linear(n_in, n_out))
                if k < len(widths) - 2:
                    layers.append(torch.nn.ReLU())
            models.append(torch.nn.Sequential(*layers))
        self.params, _ = stack_module_state(models)
        self.momentum = {k: torch.zeros_like(v) for k, v in self.params.items()}
        base = models[0].to("meta")
        self.lrs = torch.tensor(lrs, dtype=torch.float32)
        self.X, self.labels = torch.from_numpy(X), torch.from_numpy(Y.argmax(axis=1))
        self.batch, self.steps = batch, X.shape[0] // batch
        self.generator = torch.Generator().manual_seed(2)

        def loss(params, xb, yb):
            logits = functional_call(base, params, (xb,))
            return torch.nn.functional.cross_entropy(logits, yb)

        self.grads = vmap(grad(loss), in_dims=(0, None, None))

    def epoch(self, e: int) -> None:
        torch = self.torch
        perm = torch.randperm(self.X.shape[0], generator=self.generator)
        with torch.no_grad():
            for b in range(self.steps):
                rows = perm[b * self.batch : (b + 1) * self.batch]
                grads = self.grads(self.params, self.X[rows], self.labels[rows])
                for k, g in grads.items():
                    self.momentum[k].mul_(BETA).add_(g)
                    shape = (-1,) + (1,) * (g.dim() - 1)
                    self.params[k].sub_(self.lrs.view(shape) * self.momentum[k])


def _epoch_seconds(train: Callable, *args, **kwargs) -> np.ndarray:
    """Seconds of each epoch of ``train(*args, **kwargs)``, through its callback."""
    stamps = [time.perf_counter()]
    train(*args, callback=lambda *_: stamps.append(time.perf_counter()), **kwargs)
    return np.diff(stamps)


def _sweep_epochs(widths, X, Y, seeds, grid, epochs, batch, mesh) -> np.ndarray:
    return _epoch_seconds(jd.sweep, widths, X, Y, jd.momentum, seeds=seeds, hyperparameters=grid,
                          epochs=epochs, batch_size=batch, dtype=jnp.float32,
                          mesh=mesh)  # fmt: skip


def _sweep_mesh(platform: str, seeds: int, points: int) -> Mesh | None:
    """On a CPU, the devices jaxdnn.sweep splits its models across, as ``jaxdnn sweep`` takes
    them: the most (of one per core) that divide the seeds or the points per seed."""
    if platform != "cpu":
        return None
    devices = jax.devices("cpu")
    count = sweep_devices(min(len(devices), usable_cores()), seeds, points)
    return Mesh(np.array(devices[:count]), ("models",)) if count > 1 else None


def run_sweep(platform: str, smoke: bool, epochs: int) -> dict:
    """jaxdnn.sweep of M = 16, 64, 256 models on digits (64-128-10, B 32, momentum; seeds × M/4
    learning rates) against a hand-written vmapped pure-JAX sweep, PyTorch's torch.func
    ensembling and (M = 16) a loop of single fit runs: models × steps per second after the
    first (compiling) epoch, medians, interleaved; and the share of the float32 matrix-product
    ceiling measured in the same run (6·B·Σ m_k·m_{k−1} FLOP per model-step)."""
    splits = jd.load_splits("digits", jax.random.PRNGKey(0), (0.9999, 5e-5, 5e-5))
    X, Y = (a.astype(np.float32) for a in splits.train)
    widths, batch = (64, 128, 10), 32
    steps = -(-X.shape[0] // batch)
    step_flops = 6 * batch * sum(a * b for a, b in itertools.pairwise(widths))
    counts = (16, 64) if smoke else SWEEP_MODELS
    ceiling = Ceiling(jnp.float32, 1024 if smoke else 2048)
    rows = []
    for models in counts:
        seeds = list(range(4))
        lrs = [float(v) for v in np.geomspace(1e-3, 0.3, models // 4)]
        grid = {"learning_rate": lrs, "beta": [BETA]}
        every_lr = [lr for _ in seeds for lr in lrs]
        rates: dict[str, list[float]] = {}
        first: dict[str, float] = {}
        skipped = []

        peers: dict[str, Any] = {}
        keys = jnp.stack([jd.model_keys(s)[0] for s in seeds for _ in lrs])
        peers["JAX vmap (by hand)"] = _VmappedJaxSweep(X, Y, widths, batch, every_lr, keys)
        try:
            peers["torch.func vmap"] = _TorchFuncSweep(X, Y, widths, batch, every_lr)
        except ImportError as error:
            skipped.append(f"torch.func vmap: {error.name} not installed")
        mesh = _sweep_mesh(platform, len(seeds), len(lrs))
        placements = {"jaxdnn.sweep": mesh}
        if mesh is not None:  # the same sweep on the first device alone
            placements["jaxdnn.sweep, 1 device"] = None
        for _ in range(2):  # interleaved: both see the machine in the same states
            for name, placed in placements.items():
                times = _sweep_epochs(widths, X, Y, seeds, grid, epochs, batch, placed)
                first.setdefault(name, float(times[0]))
                rates.setdefault(name, []).extend(models * steps / times[1:])
            for name, peer in peers.items():
                start = time.perf_counter()
                peer.epoch(0)
                first.setdefault(name, time.perf_counter() - start)
                for e in range(1, epochs):
                    start = time.perf_counter()
                    peer.epoch(e)
                    rates.setdefault(name, []).append(
                        models * peer.steps / (time.perf_counter() - start)
                    )
            ceiling.sample()
        if models == counts[0]:  # a loop of fit runs: its rate does not depend on M
            times = []
            for m in range(models):
                init_key, fit_key = jd.model_keys(seeds[m % 4])
                params = jd.init_params(init_key, widths, dtype=jnp.float32)
                optimizer = jd.momentum(every_lr[m], BETA)
                times.append(_epoch_seconds(jd.fit, params, X, Y, optimizer, key=fit_key,
                                            epochs=epochs, batch_size=batch))  # fmt: skip
            first["loop of fit runs"] = float(sum(t[0] for t in times))
            rates["loop of fit runs"] = [steps / s for t in times for s in t[1:]]
        rows.append(
            {
                "models": models,
                "model_steps_per_second": {k: statistics.median(v) for k, v in rates.items()},
                "first_epoch_seconds": first,
                "devices": 1 if mesh is None else mesh.size,
                "skipped": skipped,
            }
        )
    return {
        "section": "sweep",
        "workload": "digits 64-128-10, B 32, momentum",
        "steps_per_epoch": steps,
        "model_step_flops": step_flops,
        **ceiling.as_dict(),
        "rows": rows,
    }


def print_table(result: dict) -> None:
    section = result["section"]
    print(f"\n[{section}] {result['workload']}")
    if section == "sweep":
        header = (
            f"{'models':>6s} {'contestant':22s} {'models×steps/s':>15s} {'GFLOP/s':>8s} "
            f"{'ceiling':>8s} {'compile s':>10s} {'sweep / this':>13s}"
        )
        print(header + "\n" + "-" * len(header))
        for row in result["rows"]:
            rates = row["model_steps_per_second"]
            ours = rates["jaxdnn.sweep"]
            for name, rate in rates.items():
                flops = rate * result["model_step_flops"]
                print(
                    f"{row['models']:6d} {name:22s} {rate:15,.0f} {flops / 1e9:8.1f} "
                    f"{flops / result['ceiling_flops']:8.1%} "
                    f"{row['first_epoch_seconds'][name]:10.1f} {ours / rate:13.2f}"
                )
            for line in row["skipped"]:
                print(f"{'':6s} skipped: {line}")
        devices = {row["devices"] for row in result["rows"]}
        if devices != {1}:
            print(
                f"jaxdnn.sweep: its models split across {'/'.join(map(str, devices))} CPU "
                "devices, one per core (as jaxdnn sweep does); every other contestant runs on "
                "the first device, whose products still use every core"
            )
        print(f"{describe_ceiling(result, 1e9, 'GFLOP/s')}; compile s of the loop: all its "
              "runs' first epochs")  # fmt: skip
        return
    rates = result["steps_per_second"]
    ours = rates.get("jaxdnn.fit")
    large = section == "large"
    header = f"{'contestant':20s} {'steps/s':>10s} {'first epoch s':>14s} {'jaxdnn / this':>14s}"
    if large:
        header += f" {'TFLOP/s':>9s} {'ceiling':>8s}"
    print(header + "\n" + "-" * len(header))
    for name, rate in sorted(rates.items(), key=lambda kv: -kv[1]):
        ratio = f"{ours / rate:14.2f}" if ours else f"{'':14s}"
        line = f"{name:20s} {rate:10,.1f} {result['first_epoch_seconds'][name]:14.2f} {ratio}"
        if large:
            flops = rate * result["step_flops"]
            line += f" {flops / 1e12:9.2f} {flops / result['ceiling_flops']:8.0%}"
        print(line)
    if large:
        print(describe_ceiling(result, 1e12, "TFLOP/s"))
    for line in result["skipped"]:
        print(f"skipped: {line}")


def describe_ceiling(result: dict, unit: float, name: str) -> str:
    """One line: the ceiling, and the spread of its samples (a wide spread: a busy machine)."""
    samples = [v / unit for v in result["ceiling_samples"]]
    precision = result.get("precision", "float32")
    digits = 2 if unit >= 1e12 else 1
    return (
        f"ceiling: {max(samples):.{digits}f} {name}, the best of {len(samples)} measurements "
        f"between rounds (lowest {min(samples):.{digits}f}; {precision} square product of size "
        f"{result['ceiling_size']})"
    )


GOALS = (
    # (what, section, platform, ratio of the results, goal)
    ("fit on digits vs the hand-tuned JAX scan", "fit", "cpu", "fit_digits", 1.3),
    ("fit on MNIST-shaped vs the best peer", "fit", "gpu", "fit_mnist_best_peer", 2.0),
    ("large, float32: share of the float32 ceiling", "large", "gpu", "large_float32", 0.99),
    ("large, bfloat16: share of the bfloat16 ceiling", "large", "gpu", "large_bfloat16", 0.75),
    ("sweep of 256: share of the float32 ceiling", "sweep", None, "sweep_256_ceiling", 0.5),
    ("sweep of 256 vs a vmapped pure-JAX sweep", "sweep", None, "sweep_256_vs_jax", 1.5),
)


def measured_ratios(results: list[dict]) -> dict[str, float]:
    """The ratio each goal is about, from this run's results (absent: not measured)."""
    ratios = {}
    for r in results:
        if r["section"] == "fit":
            rates = r["steps_per_second"]
            ours = rates.get("jaxdnn.fit")
            peers = {k: v for k, v in rates.items() if not k.startswith("jaxdnn")}
            if ours and r["workload"].startswith("digits") and "JAX scan" in rates:
                ratios["fit_digits"] = ours / rates["JAX scan"]
            if ours and r["workload"].startswith("784-256") and peers:
                best = max(v for k, v in rates.items() if k.startswith("jaxdnn"))
                ratios["fit_mnist_best_peer"] = best / max(peers.values())
        elif r["section"] == "large" and "jaxdnn.fit" in r["steps_per_second"]:
            flops = r["steps_per_second"]["jaxdnn.fit"] * r["step_flops"]
            ratios[f"large_{r['precision']}"] = flops / r["ceiling_flops"]
        elif r["section"] == "sweep":
            for row in r["rows"]:
                if row["models"] == 256:
                    rates = row["model_steps_per_second"]
                    flops = rates["jaxdnn.sweep"] * r["model_step_flops"]
                    ratios["sweep_256_ceiling"] = flops / r["ceiling_flops"]
                    ratios["sweep_256_vs_jax"] = rates["jaxdnn.sweep"] / rates["JAX vmap (by hand)"]
    return ratios


def print_goals(results: list[dict], platform: str) -> None:
    """Each goal beside its measured ratio: met, not met, or not run here."""
    ratios = measured_ratios(results)
    print(f"\n[goals] on {platform}")
    header = f"{'goal':50s} {'target':>7s} {'measured':>9s}  verdict"
    print(header + "\n" + "-" * len(header))
    for what, _, where, key, target in GOALS:
        value = ratios.get(key)
        shown = "" if value is None else f"{value:9.2f}"
        if where and where != platform:
            verdict = f"a {where} goal, not judged here"
        elif value is None:
            verdict = "not run"
        else:
            verdict = "met" if value >= target else "not met"
        print(f"{what:50s} {target:7.2f} {shown:>9s}  {verdict}")


def _sections(text: str) -> list[str]:
    """``--only``: known section names, comma-separated."""
    sections = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in sections if s not in ("fit", "large", "sweep")]
    if unknown or not sections:
        raise argparse.ArgumentTypeError(f"sections are fit, large and sweep, got {text!r}")
    return sections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_device_argument(parser)
    parser.add_argument("--rounds", type=integer(1), default=7)
    parser.add_argument("--only", type=_sections, default=None,
                        help="comma-separated sections: fit,large,sweep")  # fmt: skip
    parser.add_argument("--json", default="experiments/out/bench.json")
    parser.add_argument("--smoke", action="store_true", help="small workloads, 2 rounds")
    args = parser.parse_args()
    writable_directory(parser, "--json", str(Path(args.json).parent))  # before minutes of work
    split_cpu(usable_cores())  # one CPU device per core, for jaxdnn.sweep to split its models
    device = start_device(args.device)
    platform = device.platform
    rounds = 2 if args.smoke else args.rounds
    sections = ["fit", "large", "sweep"] if platform == "gpu" or args.smoke else ["fit", "sweep"]
    if args.only:
        sections = args.only
    print(
        f"jaxdnn {jd.__version__}, jax {jax.__version__}, device {describe_device(device)}; "
        f"{rounds} interleaved rounds; medians; sections {', '.join(sections)}"
    )
    results = []
    for section in sections:
        if section == "sweep":
            print("sweep ...", flush=True)
            results.append(run_sweep(platform, args.smoke, epochs=3 if args.smoke else 6))
            continue
        for w in workloads(section, platform, args.smoke):
            print(f"{section}: {w.name} ...", flush=True)
            ceiling = None
            if section == "large":
                ceiling = Ceiling(_dtype(w), 2048 if args.smoke else 8192)
            results.append(run_workload(section, w, platform, rounds, ceiling))
    for result in results:
        print_table(result)
    print_goals(results, platform)
    Path(args.json).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
