"""Facts of the shared contracts (genetics-reference.md) that several test suites check."""

#: The fields of a phenotype object in the genetics contract, exactly.
PHENOTYPE_KEYS = frozenset(
    {
        "white",
        "albino",
        "restriction",
        "eumelanin",
        "phaeomelanin",
        "tabby",
        "silver",
        "long_hair",
        "name",
    }
)
