#!/usr/bin/env python3
"""Writes sky.hdr: a small procedural sky (blue gradient, soft sun, brown ground) as a
Radiance RGBE image in pbrt-v4's equal-area octahedral square layout, +z up in light space.

Usage: python3 generate_env.py [output.hdr] [size]   (defaults: sky.hdr next to this script, 256)
Standard library only.
"""
import math
import os
import struct
import sys


def square_to_sphere(u, v):
    """pbrt-v4's EqualAreaSquareToSphere for (u, v) in [0, 1]^2 (Clarberg's mapping)."""
    x, y = 2 * u - 1, 2 * v - 1
    ax, ay = abs(x), abs(y)
    signed_distance = 1 - (ax + ay)
    r = 1 - abs(signed_distance)
    phi = (1 if r == 0 else (ay - ax) / r + 1) * math.pi / 4
    z = math.copysign(1 - r * r, signed_distance)
    cos_phi = math.copysign(math.cos(phi), x)
    sin_phi = math.copysign(math.sin(phi), y)
    s = r * math.sqrt(max(0.0, 2 - r * r))
    return cos_phi * s, sin_phi * s, z


SUN = (0.45, 0.35, 0.82)
SUN_NORM = math.sqrt(sum(c * c for c in SUN))
SUN = tuple(c / SUN_NORM for c in SUN)


GROUND = (0.25, 0.2, 0.15)
HORIZON, ZENITH = (1.0, 1.0, 1.05), (0.25, 0.45, 1.0)
BLEND = 0.08  # the ground fades into the sky over about 5 degrees, hiding texel steps


def radiance(d):
    x, y, z = d
    t = math.sqrt(max(z, 0.0))
    sky = [h * (1 - t) + k * t for h, k in zip(HORIZON, ZENITH)]
    w = min(max((z + BLEND) / (2 * BLEND), 0.0), 1.0)
    base = [g * (1 - w) + s * w for g, s in zip(GROUND, sky)]
    cos_sun = x * SUN[0] + y * SUN[1] + z * SUN[2]
    glow = 60.0 * math.exp((cos_sun - 1) / 0.002)
    return tuple(b + glow * c for b, c in zip(base, (1.0, 0.9, 0.75)))


def rgbe(r, g, b):
    v = max(r, g, b)
    if v < 1e-32:
        return b"\0\0\0\0"
    mantissa, exponent = math.frexp(v)
    scale = mantissa * 256.0 / v
    px = [min(255, int(c * scale)) for c in (r, g, b)] + [exponent + 128]
    if px[0] == 2 and px[1] == 2:  # would read as a run-length marker
        px[1] = 3
    return bytes(px)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "sky.hdr")
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    rows = []
    for j in range(size):  # row 0 is the top of the image: v = 0 in pbrt's image lookup
        row = bytearray()
        for i in range(size):
            row += rgbe(*radiance(square_to_sphere((i + 0.5) / size, (j + 0.5) / size)))
        rows.append(bytes(row))
    with open(out, "wb") as f:
        f.write(b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n")
        f.write(("-Y %d +X %d\n" % (size, size)).encode())
        for row in rows:
            f.write(row)


if __name__ == "__main__":
    main()
