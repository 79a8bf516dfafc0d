#!/usr/bin/python3
"""An independent reader of the event files fathom writes (docs/tensorboard.md).

It shares nothing with fathom's C++ but the message definitions: the records' framing and
CRC-32C are computed here again, and the Event messages are parsed by Python's protobuf from
proto/tensorboard/events.proto compiled by protoc --python_out (into the build folder, at build
time: the folder holding events_pb2.py is given with --proto-py or to load_events_pb2).

    read_events.py --proto-py DIR FILE...   prints every record: step, tag, kind and value

A record cut short (a writer killed mid-record) ends the file: the complete records before it
are returned and the file is reported truncated. A CRC that does not match is corruption, not
truncation, and raises CorruptRecord.
"""
import argparse
import importlib
import struct
import sys


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class CorruptRecord(Exception):
    pass


def read_records(path):
    """(records, truncated): the data of every complete record, and whether the file ends
    inside a record."""
    with open(path, "rb") as f:
        blob = f.read()
    records, pos = [], 0
    while pos < len(blob):
        if len(blob) - pos < 12:
            return records, True
        (length,) = struct.unpack_from("<Q", blob, pos)
        (length_crc,) = struct.unpack_from("<I", blob, pos + 8)
        if masked_crc32c(blob[pos : pos + 8]) != length_crc:
            raise CorruptRecord(f"{path}: record {len(records)} at byte {pos}: the length's CRC does not match")
        if len(blob) - pos < 12 + length + 4:
            return records, True
        data = blob[pos + 12 : pos + 12 + length]
        (data_crc,) = struct.unpack_from("<I", blob, pos + 12 + length)
        if masked_crc32c(data) != data_crc:
            raise CorruptRecord(f"{path}: record {len(records)} at byte {pos}: the data's CRC does not match")
        records.append(data)
        pos += 12 + length + 4
    return records, False


def load_events_pb2(proto_py_dir):
    sys.path.insert(0, proto_py_dir)
    return importlib.import_module("events_pb2")


def read_events(path, pb2):
    """(events, truncated): every complete record parsed as an Event."""
    records, truncated = read_records(path)
    events = []
    for data in records:
        event = pb2.Event()
        event.ParseFromString(data)
        events.append(event)
    return events, truncated


def tensor_values(tensor, pb2):
    """A TensorProto's shape and its values, flat, row-major."""
    shape = [d.size for d in tensor.tensor_shape.dim]
    if tensor.dtype == pb2.DT_FLOAT:
        return shape, list(tensor.float_val)
    if tensor.dtype == pb2.DT_DOUBLE:
        return shape, list(tensor.double_val)
    if tensor.dtype == pb2.DT_STRING:
        return shape, [s.decode("utf-8") for s in tensor.string_val]
    raise ValueError(f"unexpected dtype {tensor.dtype}")


def values_of(events, pb2):
    """Every summary value as (step, tag, plugin, shape, values)."""
    out = []
    for event in events:
        if event.WhichOneof("what") != "summary":
            continue
        for v in event.summary.value:
            shape, values = tensor_values(v.tensor, pb2)
            out.append((event.step, v.tag, v.metadata.plugin_data.plugin_name, shape, values))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-py", required=True, help="the folder holding events_pb2.py")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    pb2 = load_events_pb2(args.proto_py)
    for path in args.files:
        events, truncated = read_events(path, pb2)
        print(f"{path}: {len(events)} records{', then a truncated one' if truncated else ''}")
        for event in events:
            if event.WhichOneof("what") == "file_version":
                print(f"  file_version {event.file_version}")
        for step, tag, plugin, shape, values in values_of(events, pb2):
            if plugin == "histograms":
                shown = f"{shape[0]} buckets, {sum(values[2::3]):g} values"
            elif plugin == "text":
                shown = repr(values[0][:40])
            else:
                shown = f"{values[0]:.9g}"
            print(f"  step {step:5d}  {plugin:10s} {tag}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
