#!/usr/bin/env python3
"""Keeps a corpus folder at most <max inputs> large, losing as few covered edges as possible.

    trim_corpus.py <merge control file> <corpus folder> <max inputs>

The control file is what `fuzz_<name> -merge=1 -use_counters=0 -merge_control_file=F <empty
folder> <corpus folder>` writes: every input's path and the edges it covers ("COV" lines).
Inputs placed by hand (seeds, named reproducers: any name that is not libFuzzer's 40-digit hex)
are always kept; among the others a greedy set cover picks inputs by the number of edges they
add, and the rest are deleted. Prints how many inputs and edges were kept.
"""
import os
import re
import sys


def read_control(path):
    with open(path) as f:
        lines = f.read().splitlines()
    count = int(lines[0])
    files = lines[2:2 + count]
    edges = {}
    for line in lines[2 + count:]:
        if line.startswith("COV "):
            parts = line.split()
            edges[int(parts[1])] = set(parts[2:])
    return files, edges


def is_fuzzer_found(path):
    return re.fullmatch(r"[0-9a-f]{40}", os.path.basename(path)) is not None


def greedy_cover(files, edges, limit):
    """Indices to keep: every hand-placed input, then the best fuzzer-found ones up to limit."""
    everything = set().union(*edges.values()) if edges else set()
    chosen = [i for i in edges if not is_fuzzer_found(files[i])]
    uncovered = everything.difference(*(edges[i] for i in chosen))
    candidates = {i: edges[i] for i in edges if is_fuzzer_found(files[i])}
    while uncovered and candidates and len(chosen) < limit:
        best = max(candidates, key=lambda i: (len(candidates[i] & uncovered), -i))
        if not candidates[best] & uncovered:
            break
        chosen.append(best)
        uncovered -= candidates.pop(best)
    return chosen, len(everything) - len(uncovered), len(everything)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    files, edges = read_control(sys.argv[1])
    folder = os.path.realpath(sys.argv[2])
    chosen, kept, total = greedy_cover(files, edges, int(sys.argv[3]))
    keep = {os.path.realpath(files[i]) for i in chosen}
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and path not in keep:
            os.remove(path)
    print(f"kept {len(keep)} inputs covering {kept} of {total} edges")


if __name__ == "__main__":
    main()
