"""Device choice and data-parallel meshes (the suite's CPU is split into 8 devices)."""

import jax
import pytest

from jaxdnn.devices import data_parallel_mesh, describe_device, select_device

HAS_GPU = any(device.platform == "gpu" for device in jax.devices())


def test_select_device_cpu_becomes_the_default_device():
    device = select_device("cpu")
    assert device.platform == "cpu" and describe_device(device) == "cpu"
    assert jax.numpy.zeros(3).devices() == {device}


@pytest.mark.skipif(HAS_GPU, reason="a GPU is present here")
def test_select_device_gpu_without_one_names_the_device_and_the_remedy():
    with pytest.raises(ValueError, match=r"device 'gpu' is not available: JAX sees only cpu"):
        select_device("gpu")


def test_select_device_rejects_unknown_platforms():
    with pytest.raises(ValueError, match=r"device must be one of \('cpu', 'gpu'\)"):
        select_device("tpu0")


def test_data_parallel_mesh_spans_the_first_devices():
    mesh = data_parallel_mesh(8, "cpu")
    assert mesh.axis_names == ("data",) and mesh.size == 8
    assert list(mesh.devices) == jax.devices("cpu")[:8]
    assert data_parallel_mesh(2, "cpu").size == 2


@pytest.mark.parametrize(
    ("n", "message"),
    [
        (0, r"n_devices must be a positive integer"),
        (9, r"n_devices=9 but only 8 cpu device\(s\).*xla_force_host_platform_device_count=9"),
    ],
)
def test_data_parallel_mesh_rejects_impossible_sizes(n, message):
    with pytest.raises(ValueError, match=message):
        data_parallel_mesh(n, "cpu")
