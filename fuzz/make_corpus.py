#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/: small valid files from data/ and
tests/data/, and hand-made edge cases (empty, truncated headers, huge claimed sizes, gzip).
Run from the repository root; MODEL is a small version-2 model file to derive model seeds
from (e.g. one saved by `fathom train --data data/xor.csv --target y --layers 3:tanh,1:sigmoid
--epochs 2 --save xor.fathom`). Files are only ever added or replaced, so reproducers saved by
scripts/fuzz.sh stay."""
import gzip
import json
import struct
import sys
import zlib
from pathlib import Path

root = Path("fuzz/corpus")


def put(target, name, data):
    (root / target).mkdir(parents=True, exist_ok=True)
    (root / target / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


# CSV: a first byte below 8 selects options (see csv_fuzz.cpp): 1 drop, 2 mean, 3 mean and
# optional targets, +4 value targets.
def csv_seeds():
    put("csv", "xor.csv", Path("data/xor.csv").read_bytes())
    put("csv", "iris_head.csv", b"".join(Path("data/iris.csv").read_bytes().splitlines(True)[:8]))
    put("csv", "digits_head.csv", b"".join(Path("data/digits_5x5.csv").read_bytes().splitlines(True)[:3]))
    put("csv", "empty.csv", b"")
    put("csv", "header_only.csv", "a,b,c\n")
    put("csv", "no_newline.csv", "y,x\n1,2")
    put("csv", "semicolon.csv", "y;x1;x2\n0;1,5;2\n1;3;4\n")
    put("csv", "tab.csv", "y\tx1\tx2\n0\t1\t2\n1\t3\t4\n")
    put("csv", "crlf_bom.csv", "\ufeffy,x\r\n0,1\r\n1,2\r\n")
    put("csv", "quoted.csv", 'label,x\n"a, b",1\n"say ""hi""",2\n"multi\nline",3\n')
    put("csv", "unterminated_quote.csv", 'label,x\n"abc,1\n')
    put("csv", "ragged.csv", "y,x1,x2\n0,1\n1,2,3,4\n")
    put("csv", "missing_error.csv", "y,x1,x2\n0,,2\n1,NA,?\n0,NaN,1\n")
    put("csv", "missing_drop.csv", b"\x01" + b"y,x1,x2\n0,,2\n1,NA,?\n0,1,1\n")
    put("csv", "missing_mean.csv", b"\x02" + b"y,x1,x2\n0,,2\n1,NA,?\n0,1,1\n")
    put("csv", "targets_optional.csv", b"\x03" + b"x1,x2\n,2\n3,4\n")
    put("csv", "string_values.csv", b"\x04" + b"y,x\ncat,1\ndog,2\n")
    put("csv", "numbers_edge.csv", "y,x1,x2\n0,1e999,-inf\n1,nan,0x10\n0,-0,1e-320\n")
    put("csv", "duplicate_columns.csv", "y,x,x\n0,1,2\n")
    put("csv", "non_utf8.csv", b"y,\xff\xfe\n\xc3(,1\n")
    put("csv", "binary.csv", bytes(range(256)))
    put("csv", "wide_header.csv", ",".join(f"c{i}" for i in range(300)) + "\n" + ",".join("1" for _ in range(300)) + "\n")
    put("csv", "gzip.csv", gz(Path("data/xor.csv").read_bytes()))


# IDX: [flags][images length, 2 bytes LE][images][labels]; flag 1 gzips the images, 2 the
# labels (see idx_fuzz.cpp).
def idx_images(n, rows, cols, pixels=None):
    head = struct.pack(">IIII", 0x803, n, rows, cols)
    return head + (bytes(pixels) if pixels is not None else bytes((i * 37) % 256 for i in range(n * rows * cols)))


def idx_labels(n, labels=None):
    return struct.pack(">II", 0x801, n) + (bytes(labels) if labels is not None else bytes(i % 10 for i in range(n)))


def idx(flags, images, labels):
    return bytes([flags]) + struct.pack("<H", len(images)) + images + labels


def idx_seeds():
    im, lb = idx_images(3, 2, 2), idx_labels(3)
    put("idx", "plain.bin", idx(0, im, lb))
    put("idx", "gzip_in_harness.bin", idx(3, im, lb))
    put("idx", "gzip_images_only.bin", idx(1, im, lb))
    put("idx", "gzip_files.bin", idx(0, gz(im), gz(lb)))
    put("idx", "gzip_truncated.bin", idx(0, gz(im)[:20], lb))
    put("idx", "gzip_bad_crc.bin", idx(0, gz(im)[:-8] + b"\0\0\0\0" + gz(im)[-4:], lb))
    put("idx", "mnist_like.bin", idx(0, idx_images(2, 28, 28), idx_labels(2, [0, 9])))
    put("idx", "truncated_header.bin", idx(0, im[:6], lb))
    put("idx", "truncated_pixels.bin", idx(0, im[:-3], lb))
    put("idx", "truncated_labels.bin", idx(0, im, lb[:-1]))
    put("idx", "swapped_magic.bin", idx(0, lb, im))
    put("idx", "count_mismatch.bin", idx(0, im, idx_labels(2)))
    put("idx", "zero_images.bin", idx(0, idx_images(0, 2, 2), idx_labels(0)))
    put("idx", "zero_width.bin", idx(0, struct.pack(">IIII", 0x803, 1, 0, 5), idx_labels(1)))
    put("idx", "label_255.bin", idx(0, idx_images(2, 1, 1), idx_labels(2, [255, 0])))
    # Sizes the header claims but the file does not have.
    put("idx", "huge_width.bin", idx(0, struct.pack(">IIII", 0x803, 1, 65536, 65536), idx_labels(1)))
    put("idx", "huge_count.bin", idx(0, struct.pack(">IIII", 0x803, 1 << 24, 28, 28),
                                     struct.pack(">II", 0x801, 1 << 24)))
    put("idx", "huge_count_gzip.bin", idx(3, struct.pack(">IIII", 0x803, 1 << 24, 28, 28) + bytes(256),
                                          struct.pack(">II", 0x801, 1 << 24)))
    put("idx", "empty.bin", b"")


def pgm_seeds():
    put("pgm", "p2.pgm", "P2\n# a comment\n3 2\n255\n0 128 255\n10 20 30\n")
    put("pgm", "p5.pgm", b"P5\n3 2\n255\n" + bytes([0, 128, 255, 10, 20, 30]))
    put("pgm", "p5_16bit.pgm", b"P5 2 1 65535\n" + bytes([0xFF, 0xFF, 0x01, 0x00]))
    put("pgm", "p5_comment_in_header.pgm", b"P5#c\n2#w\n 1\n#m\n255\n" + bytes([1, 2]))
    put("pgm", "p5_truncated.pgm", b"P5\n3 2\n255\n" + bytes([0, 128]))
    put("pgm", "p2_truncated.pgm", "P2\n3 2\n255\n0 1\n")
    put("pgm", "p2_over_maxval.pgm", "P2\n2 1\n15\n3 16\n")
    put("pgm", "p2_garbage.pgm", "P2\n2 1\n255\n3 x\n")
    put("pgm", "maxval_zero.pgm", b"P5\n1 1\n0\n\0")
    put("pgm", "maxval_huge.pgm", b"P5\n1 1\n70000\n\0\0\0")
    put("pgm", "zero_width.pgm", b"P5\n0 4\n255\n")
    put("pgm", "negative.pgm", "P2\n-2 1\n255\n1 2\n")
    put("pgm", "p3_color.pgm", "P3\n1 1\n255\n1 2 3\n")
    put("pgm", "p6.pgm", b"P6\n1 1\n255\n\1\2\3")
    put("pgm", "magic_only.pgm", "P5")
    put("pgm", "empty.pgm", "")
    put("pgm", "huge_claim.pgm", b"P5\n16384 16384\n255\n")
    put("pgm", "overflow_claim.pgm", b"P5\n4294967296 4294967296\n255\n")


def model_file(meta, data, version=2):
    text = json.dumps(meta, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    body = b"FATHOM\0\x1a" + struct.pack("<IIQQ", version, 0, len(text), len(data)) + text + data
    return body + struct.pack("<I", zlib.crc32(body))


def read_model(raw):
    j, d = struct.unpack_from("<QQ", raw, 16)
    return json.loads(raw[32:32 + j]), raw[32 + j:32 + j + d]


def model_seeds(model_path):
    v1 = Path("tests/data/iris_v1.fathom").read_bytes()
    put("model", "iris_v1.fathom", v1)
    put("model", "empty.fathom", b"")
    put("model", "magic_only.fathom", v1[:8])
    put("model", "truncated_header.fathom", v1[:20])
    put("model", "truncated_json.fathom", v1[:200])
    if not model_path:
        return
    raw = Path(model_path).read_bytes()
    put("model", "small_v2.fathom", raw)
    put("model", "newer_version.fathom", raw[:8] + struct.pack("<I", 99) + raw[12:])
    bad_crc = bytearray(raw)
    bad_crc[15] |= 0x80  # keep this file's CRC (model_fuzz.cpp), then damage a byte under it
    bad_crc[100] ^= 1
    put("model", "bad_crc_kept.fathom", bytes(bad_crc))
    meta, data = read_model(raw)
    dense = [layer for layer in meta["layers"] if layer["type"] == "dense"]

    def variant(name, change, data=data):
        m = json.loads(json.dumps(meta))
        change(m)
        put("model", name, model_file(m, data))

    # The architecture claims what the tensors do not hold.
    variant("huge_units.fathom", lambda m: m["layers"][-2]["config"].update(units=30000))
    variant("huge_input_dim.fathom", lambda m: m.update(input_dim=30000))
    variant("tensor_offset_past_end.fathom", lambda m: m["tensors"][0].update(offset=1 << 40))
    variant("tensor_rows_huge.fathom", lambda m: m["tensors"][0].update(rows=1 << 31, cols=1 << 31))
    variant("no_layers.fathom", lambda m: m.update(layers=[]))
    variant("unknown_layer.fathom", lambda m: m["layers"][0].update(type="conv"))
    variant("class_names_mismatch.fathom", lambda m: m.setdefault("info", {}).update(class_names=["a"] * 7))
    variant("history_ragged.fathom", lambda m: m.update(history={"epochs": [0, 1], "values": {"loss": [1.0]}}))
    put("model", "data_short.fathom", model_file(meta, data[:-4]))
    put("model", "json_invalid.fathom", model_file(meta, data).replace(b'"layers"', b'"layers\x00'))
    assert dense  # the seed model must have dense layers


csv_seeds()
idx_seeds()
pgm_seeds()
model_seeds(sys.argv[1] if len(sys.argv) > 1 else None)
