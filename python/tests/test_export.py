"""Export from Python (docs/deploy.md): the ONNX file passes ONNX's own checker and holds the
network's weights; the C file, compiled into a shared library and called through ctypes, gives
model.predict's outputs (float) and model.predict_int8's (int8)."""
import ctypes
import shutil
import subprocess

import numpy as np
import onnx
import onnx.numpy_helper
import pytest

import fathom


def trained_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 6)).astype(np.float32) * 5 + 20
    labels = np.array(["low", "mid", "high"])[(x[:, 0] > 20).astype(int) + (x[:, 1] > 22).astype(int)]
    model = fathom.Sequential(input_dim=6, seed=1, layers=[
        fathom.layers.Normalization().adapt(x),
        fathom.layers.Dense(9, activation="tanh"),
        fathom.layers.Dense(3, activation="softmax")])
    model.compile(loss="cce", optimizer="adam")
    model.fit(x, labels, epochs=5, verbose=0)
    return model, x


def test_onnx_export_passes_the_checker_and_holds_the_weights(tmp_path):
    model, _ = trained_model()
    path = tmp_path / "m.onnx"
    model.export_onnx(path, opset=15)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == 15
    assert [o.name for o in proto.graph.output] == ["output", "class"]
    kernels = [onnx.numpy_helper.to_array(t) for t in proto.graph.initializer if t.name.endswith("/kernel")]
    weights = [w for w in model.get_weights() if w.ndim == 2]
    assert len(kernels) == len(weights) == 2
    for k, w in zip(kernels, weights):
        np.testing.assert_array_equal(k, w)  # Keras's kernel shape (inputs, units) is ONNX's
    metadata = {p.key: p.value for p in proto.metadata_props}
    assert metadata["fathom.task"] == "classify"


@pytest.mark.parametrize("quantize", [None, "int8"])
def test_c_export_called_through_ctypes_gives_the_models_outputs(tmp_path, quantize):
    model, x = trained_model()
    model.export_c(tmp_path / "net.c", header=tmp_path / "net.h", prefix="net", quantize=quantize)
    lib = tmp_path / "libnet.so"
    subprocess.run([shutil.which("gcc"), "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2",
                    "-shared", "-fPIC", str(tmp_path / "net.c"), "-lm", "-o", str(lib)], check=True)
    net = ctypes.CDLL(str(lib))
    floats = ctypes.POINTER(ctypes.c_float)
    net.net_predict.argtypes = [floats, floats]
    net.net_predict_class.argtypes = [floats]
    want = model.predict(x) if quantize is None else model.predict_int8(x)
    got = np.empty_like(want)
    classes = []
    for i in range(len(x)):
        row = np.ascontiguousarray(x[i])
        net.net_predict(row.ctypes.data_as(floats), got[i].ctypes.data_as(floats))
        classes.append(net.net_predict_class(row.ctypes.data_as(floats)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(classes, want.argmax(axis=1))
    if quantize == "int8":
        assert 0 < np.abs(want - model.predict(x)).max() < 0.05  # int8, close to float


def test_bad_requests_raise_value_errors(tmp_path):
    model, _ = trained_model()
    with pytest.raises(ValueError, match="opset"):
        model.export_onnx(tmp_path / "m.onnx", opset=18)
    with pytest.raises(ValueError, match="not a C identifier"):
        model.export_c(tmp_path / "m.c", prefix="my-net")
    with pytest.raises(ValueError, match="int8"):
        model.export_c(tmp_path / "m.c", quantize="int4")
    assert not (tmp_path / "m.onnx").exists() and not (tmp_path / "m.c").exists()
