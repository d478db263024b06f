"""Genetics benchmark (not a test): exact crosses and pair ranking.

Run: python benchmarks/genetics.py
Wall and CPU time are both printed: on a loaded machine the CPU figure is the fair one.
Budgets (SPEC): (a) exact cross of two genotypes heterozygous at every locus < 50 ms;
(b) ranking all 100 x 100 pairs of 200 seeded random cats by compatibility, each with its
exact predicted phenotype distribution, < 2 s.
"""

from __future__ import annotations

import random
import statistics
import time
from fractions import Fraction
from typing import Any

from purrr_core.genetics import compatibility, cross, parse_genotype, random_genotype

SIRE = "O/Y B/bl D/d Dm/dm A/a Mc/mc Ta/ta Sp/sp W/S C/cs I/i Wb/wb L/l"
DAM = "O/o B/bl D/d Dm/dm A/a Mc/mc Ta/ta Sp/sp S/w cb/ca I/i Wb/wb L/l"
PERSONALITIES = ("playful", "aloof", "curious", "lazy", "territorial", "social_butterfly")
STATS = ("intelligence", "strength", "agility", "charisma", "training", "social")


def bench_cross() -> None:
    sire, dam = parse_genotype(SIRE), parse_genotype(DAM)
    start = time.perf_counter()
    result = cross(sire, dam)
    cold = time.perf_counter() - start
    runs = []
    cpu_runs = []
    for _ in range(20):
        start, cpu_start = time.perf_counter(), time.process_time()
        cross(sire, dam)
        runs.append(time.perf_counter() - start)
        cpu_runs.append(time.process_time() - cpu_start)
    print(f"(a) exact cross, heterozygous at every locus: {len(result.offspring)} outcomes")
    print(f"    first call (cold caches) {cold * 1000:.1f} ms")
    print(
        f"    median of 20 {statistics.median(runs) * 1000:.1f} ms, best {min(runs) * 1000:.1f} ms"
    )
    print(f"    median CPU time {statistics.median(cpu_runs) * 1000:.1f} ms")
    print(f"    budget 50 ms (CPU): {'ok' if statistics.median(cpu_runs) < 0.05 else 'OVER'}")


def make_cat(rng: random.Random, sex: str) -> dict[str, Any]:
    return {
        "genotype": random_genotype(rng, sex),
        "breed": rng.choice(("tabby", "siamese", "persian", "maine_coon", "mixed")),
        "generation": rng.randint(0, 6),
        "personality_type": rng.choice(PERSONALITIES),
        "offspring_count": rng.randint(0, 5),
        **{name: rng.randint(10, 90) for name in STATS},
    }


def bench_ranking() -> None:
    rng = random.Random(2024)
    males = [make_cat(rng, "male") for _ in range(100)]
    females = [make_cat(rng, "female") for _ in range(100)]
    start = time.perf_counter()
    cpu_start = time.process_time()
    ranked = []
    outcomes = 0
    for sire in males:
        for dam in females:
            score = compatibility(sire, dam, Fraction(0))
            predicted = cross(sire["genotype"], dam["genotype"])
            outcomes += len(predicted.offspring)
            ranked.append((score, predicted))
    ranked.sort(key=lambda pair: -pair[0])
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(f"(b) ranked {len(ranked)} pairs of 200 random cats with exact predictions")
    print(
        f"    {elapsed * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
        f"({outcomes / len(ranked):.1f} outcomes per pair on average)"
    )
    print(f"    budget 2 s (CPU): {'ok' if cpu < 2 else 'OVER'}")


if __name__ == "__main__":
    bench_cross()
    bench_ranking()
