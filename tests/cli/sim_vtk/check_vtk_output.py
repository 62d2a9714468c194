#!/usr/bin/env python3
"""Checks a simulation batch's ParaView output with VTK's own reader, independent of the writer.

Usage: check_vtk_output.py OUTPUT_FOLDER EXPECTED_RUNS  (run_vtk_check.sh runs it)

For every run folder: fields.pvd must be a VTK collection listing each snapshot folder's
fields.vti by step, in order, ending at the last step; each .vti, read by
vtkXMLImageDataReader, must have the grid's dimensions (meta.json), origin 0, spacing 1, and
one point array per .npy file of the snapshot whose bytes equal the .npy array's bytes (numpy
reads those), plus, for lattice Boltzmann fields, a 3-component `velocity` whose components
are ux, uy and uz (zero in 2D). Exits 1 naming the first mismatch.
"""
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

import numpy
import vtk
from vtk.util.numpy_support import vtk_to_numpy


def fail(message):
    print("check_vtk_output: " + message, file=sys.stderr)
    sys.exit(1)


def read_vti(path):
    reader = vtk.vtkXMLImageDataReader()
    reader.SetFileName(str(path))
    reader.Update()
    image = reader.GetOutput()
    if image is None or image.GetNumberOfPoints() == 0:
        fail(f"{path}: VTK read no points")
    return image


def check_snapshot(folder, meta):
    image = read_vti(folder / "fields.vti")
    grid = meta["grid"]
    shape = (grid[2] if len(grid) == 3 else 1, grid[1], grid[0])  # (nz, ny, nx)
    if tuple(image.GetDimensions()) != (shape[2], shape[1], shape[0]):
        fail(f"{folder}: dimensions {image.GetDimensions()} for grid {grid}")
    if tuple(image.GetOrigin()) != (0, 0, 0) or tuple(image.GetSpacing()) != (1, 1, 1):
        fail(f"{folder}: origin {image.GetOrigin()} spacing {image.GetSpacing()}")
    data = image.GetPointData()
    npy_files = sorted(folder.glob("*.npy"))
    if not npy_files:
        fail(f"{folder}: no .npy files")
    arrays = {}
    for npy in npy_files:
        expected = numpy.load(npy)
        array = data.GetArray(npy.stem)
        if array is None:
            fail(f"{folder}: no point array {npy.stem}")
        values = vtk_to_numpy(array)
        if values.dtype != numpy.float32 or values.size != expected.size:
            fail(f"{folder}: array {npy.stem} is {values.dtype} x {values.size}")
        if values.tobytes() != numpy.ascontiguousarray(expected).reshape(-1).tobytes():
            fail(f"{folder}: array {npy.stem} differs from {npy.name}")
        arrays[npy.stem] = expected.reshape(-1)
    if "ux" in arrays:
        velocity = data.GetArray("velocity")
        if velocity is None or velocity.GetNumberOfComponents() != 3:
            fail(f"{folder}: no 3-component velocity")
        v = vtk_to_numpy(velocity)
        uz = arrays.get("uz", numpy.zeros_like(arrays["ux"]))
        for axis, truth in enumerate((arrays["ux"], arrays["uy"], uz)):
            if v[:, axis].tobytes() != truth.tobytes():
                fail(f"{folder}: velocity component {axis} differs from the .npy")
    return len(npy_files)


def check_run(run_folder):
    collection = run_folder / "fields.pvd"
    root = ET.parse(collection).getroot()
    if root.get("type") != "Collection":
        fail(f"{collection}: not a VTK collection")
    datasets = root.findall("./Collection/DataSet")
    snapshots = sorted(p for p in run_folder.iterdir() if p.is_dir() and p.name.startswith("step_"))
    if [d.get("file") for d in datasets] != [f"{s.name}/fields.vti" for s in snapshots]:
        fail(f"{collection}: lists {[d.get('file') for d in datasets]}, folders {snapshots}")
    steps = [int(d.get("timestep")) for d in datasets]
    summary = json.loads((run_folder / "summary.json").read_text())
    if steps != sorted(steps) or steps[-1] != summary["steps"]:
        fail(f"{collection}: steps {steps} for a run of {summary['steps']}")
    arrays = 0
    for snapshot, step in zip(snapshots, steps):
        meta = json.loads((snapshot / "meta.json").read_text())
        if meta["step"] != step:
            fail(f"{snapshot}: meta.json step {meta['step']}, collection step {step}")
        arrays += check_snapshot(snapshot, meta)
    return len(snapshots), arrays


def main():
    if len(sys.argv) != 3:
        fail("usage: check_vtk_output.py OUTPUT_FOLDER EXPECTED_RUNS")
    out = pathlib.Path(sys.argv[1])
    runs = sorted(p for p in out.iterdir() if (p / "summary.json").exists())
    if len(runs) != int(sys.argv[2]):
        fail(f"{out}: {len(runs)} runs, expected {sys.argv[2]}")
    for run in runs:
        snapshots, arrays = check_run(run)
        print(f"{run.name}: {snapshots} snapshots, {arrays} arrays equal to their .npy files")


if __name__ == "__main__":
    main()
