"""Writes the NPY/NPZ fixtures used by tests/FunctionsOpt.Core.Tests/Data. Run from this folder with numpy 1.24:

    /usr/bin/python3 make_fixtures.py

The outputs are committed; tests never need Python. Values are small and printed so tests can hard-code them.
"""
import io
import zipfile

import numpy as np
import numpy.lib.format as fmt


def save(name, arr):
    np.save(name, arr)
    print(name, arr.dtype.str, arr.shape, arr.ravel().tolist())


save("f4.npy", np.array([[1.5, -2.25], [3.0, 0.125]], dtype="<f4"))
save("f8.npy", np.array([0.1, -1e300, 2.5], dtype="<f8"))
save("i8.npy", np.array([-9007199254740993, 0, 42], dtype="<i8"))
save("i4.npy", np.array([[-7, 2147483647], [0, -2147483648]], dtype="<i4"))
save("u1.npy", np.array([0, 7, 255], dtype="|u1"))
save("b1.npy", np.array([True, False, True, True], dtype="|b1"))
save("scalar_f8.npy", np.array(3.25, dtype="<f8"))
save("f4_3d.npy", np.arange(24, dtype="<f4").reshape(2, 3, 4) / 4)
save("f8_be.npy", np.array([1.0, -0.5, 1e10], dtype=">f8"))
save("i4_be.npy", np.array([1, -2, 65536], dtype=">i4"))
save("f4_fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
save("unsupported_f2.npy", np.array([1.0, 2.0], dtype="<f2"))
np.save("object.npy", np.array([{"a": 1}, "text", 3], dtype=object), allow_pickle=True)
print("object.npy |O")

# Version 2.0 header (numpy picks 2.0 only for huge headers, so force it).
with open("f4_v2.npy", "wb") as f:
    arr = np.array([[1.0, 2.0, 3.0]], dtype="<f4")
    fmt.write_array(f, arr, version=(2, 0))
    print("f4_v2.npy", arr.ravel().tolist())

# Version 3.0 header (utf-8 header, same layout as 2.0).
with open("i8_v3.npy", "wb") as f:
    arr = np.array([5, 6], dtype="<i8")
    fmt.write_array(f, arr, version=(3, 0))
    print("i8_v3.npy", arr.ravel().tolist())

# Truncated: drop the last 5 bytes of a valid float32 file.
data = open("f4_3d.npy", "rb").read()
open("truncated.npy", "wb").write(data[:-5])

open("not_npy.npy", "wb").write(b"a,b\n1,2\n")

x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype="<f4")
mask = np.array([[1, 0], [1, 1], [0, 1]], dtype="<i8")
labels = np.array([0, 1, 1], dtype="<i8")
np.savez("plain.npz", x=x, mask=mask, labels=labels)
np.savez_compressed("compressed.npz", x=x, mask=mask, labels=labels)
print("npz x", x.ravel().tolist(), "mask", mask.ravel().tolist(), "labels", labels.ravel().tolist())

# 1 MiB of zeros compresses to about 1 KiB; tests set a 64 KiB entry limit.
np.savez_compressed("bomb.npz", zeros=np.zeros(262144, dtype="<f4"))

# A zip holding a pickle next to an array.
with zipfile.ZipFile("pickle_entry.npz", "w") as z:
    buf = io.BytesIO()
    np.save(buf, x)
    z.writestr("x.npy", buf.getvalue())
    z.writestr("payload.pkl", b"\x80\x04K\x01.")

# Manifest fixtures.
np.save("manifest_x.npy", x)
np.save("manifest_y.npy", labels)
np.savez("manifest_arrays.npz", mask=mask, logits=np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], dtype="<f4"))
