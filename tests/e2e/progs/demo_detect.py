"""demo_detect.py IN OUT - the demo's analysis step: finds events in the
decimated strain of IN:/DAS/decimated (samples louder than THRESHOLD times
their channel's RMS), records its configuration and what it measured
through the provio module (no-ops when untracked), and writes the events
per channel to OUT:/detections/events."""
import sys

import h5py
import numpy

import provio

THRESHOLD = 4.0


def main(src, dst):
    provio.config("threshold", THRESHOLD, group="Detection")
    provio.config("input", f"{src}:/DAS/decimated", group="Detection")
    with h5py.File(src, "r") as f:
        strain = f["/DAS/decimated"][...]
        hz = int(f["/DAS/decimated"].attrs["SamplingFrequency(HZ)"])
    rms = numpy.sqrt(numpy.mean(strain.astype(numpy.float64) ** 2, axis=1, keepdims=True))
    events = (numpy.abs(strain) > THRESHOLD * rms).sum(axis=1)
    provio.metric("events", float(events.sum()))
    provio.metric("mean_rms", float(rms.mean()))
    with h5py.File(dst, "w") as f:
        d = f.create_dataset("/detections/events", data=events.astype(numpy.int32))
        d.attrs["threshold"] = THRESHOLD
        d.attrs["SamplingFrequency(HZ)"] = hz
    print(f"demo_detect: {int(events.sum())} events in {strain.shape[0]} channels at {hz} Hz "
          f"(recording: {provio.active()}) in {dst}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: demo_detect.py IN OUT")
    main(sys.argv[1], sys.argv[2])
