#!/usr/bin/env python3
"""Writes mesh.ply: a bumpy sphere of 1,000,000 triangles (binary little-endian PLY with
vertex normals), for load, BVH and traversal benchmarks. Not committed: run this first.

Usage: python3 generate.py [output.ply] [segments]   (defaults: mesh.ply next to this script,
1000 segments around -> 1000 x 500 quads = 1,000,000 triangles). Standard library only.
"""
import math
import os
import struct
import sys
from array import array


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "mesh.ply")
    nu = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    nv = nu // 2
    verts = array("f")
    for j in range(nv + 1):
        theta = math.pi * j / nv
        st, ct = math.sin(theta), math.cos(theta)
        for i in range(nu + 1):
            phi = 2 * math.pi * i / nu
            sp, cp = math.sin(phi), math.cos(phi)
            r = 1 + 0.04 * math.sin(12 * theta) * math.sin(12 * phi)
            # Position, then the unit sphere normal as the shading normal (bumps are shallow).
            verts.extend((r * st * cp, r * ct, r * st * sp, st * cp, ct, st * sp))
    faces = bytearray()
    row = nu + 1
    tri = struct.Struct("<Biii")
    for j in range(nv):
        for i in range(nu):
            a, b = j * row + i, j * row + i + 1
            c, d = a + row, b + row
            # Counter-clockwise seen from outside: the winding normal points outward.
            faces += tri.pack(3, a, b, d)
            faces += tri.pack(3, a, d, c)
    if sys.byteorder != "little":
        verts.byteswap()
    with open(out, "wb") as f:
        f.write(("ply\nformat binary_little_endian 1.0\nelement vertex %d\n"
                 "property float x\nproperty float y\nproperty float z\n"
                 "property float nx\nproperty float ny\nproperty float nz\n"
                 "element face %d\nproperty list uchar int vertex_indices\nend_header\n"
                 % ((nu + 1) * (nv + 1), 2 * nu * nv)).encode())
        f.write(verts.tobytes())
        f.write(faces)


if __name__ == "__main__":
    main()
